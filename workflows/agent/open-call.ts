import {
  type ApprovalRecord,
  type ApprovalStatus,
  type ApprovalTimeoutOutcome,
  type ApprovalVote,
  type DecidedApproval,
  type DecisionKind,
  namesReviewers,
  type ParsedDecision,
  type PendingApproval,
  stillNeeded,
  type ToolSpec,
} from '../../contract';

/** How a call's wait for a person ended. */
export type ApprovalOutcome = (
  | { kind: 'approved' | 'edited'; decision: ParsedDecision; arguments: Record<string, unknown> }
  | { kind: 'denied'; decision: ParsedDecision }
  | { kind: 'answered'; decision: ParsedDecision; result: unknown }
  | { kind: 'timed_out'; onTimeout: ApprovalTimeoutOutcome; timeoutMs: number; arguments: Record<string, unknown> }
) & {
  /** The call's id in the approval record (the model's call id, unless the model used it twice in this run). */
  key?: string;
};

/** A call's rules, from its tool's spec and the agent's input. */
export interface ApprovalRules {
  timeoutMs: number;
  onTimeout: ApprovalTimeoutOutcome;
  /** After this long without a decision, a reminder goes out. */
  remindMs?: number;
}

export type ClosedHow = Exclude<ApprovalStatus, 'pending'>;

export const statusOf: Record<DecisionKind, ClosedHow> = {
  approve: 'approved',
  edit: 'edited',
  deny: 'denied',
  answer: 'answered',
};

/** A call that waits for a person: its view, its rules, the approvals so far, and the decision that closes it. */
export interface OpenCall {
  view: PendingApproval;
  rules: ApprovalRules;
  spec: ToolSpec;
  record: ApprovalRecord;
  votes: ApprovalVote[];
  /** An edit's arguments, once someone edited (with a quorum, later approvals approve these). */
  edited?: Record<string, unknown>;
  /** The decision that closed the call; absent while it waits (also while approvals are counted). */
  decision?: ParsedDecision;
}

/** Applies one validated decision to the call: a denial or an answer closes it, an approval counts toward the quorum. */
export function applyDecision(open: OpenCall, decision: ParsedDecision, now: number): DecidedApproval {
  const decidedAt = new Date(now).toISOString();
  const runs = decision.kind === 'approve' || decision.kind === 'edit';
  const { approvers, startedBy } = open.view;
  // Approvals are counted (and each kept in the audit record) only where the tool's rules ask who and how many.
  const counting = namesReviewers(approvers);
  let waitingFor: string | undefined;
  if (runs) {
    if (decision.kind === 'edit') {
      for (const vote of open.votes) vote.superseded = true;
      open.edited = decision.arguments;
    }
    if (counting && decision.reviewer !== undefined) {
      open.votes.push({
        reviewer: decision.reviewer,
        kind: decision.kind as ApprovalVote['kind'],
        at: decidedAt,
        ...(decision.reason !== undefined ? { reason: decision.reason } : {}),
      });
      open.record.approvals = open.votes.map((v) => ({ ...v }));
    }
    waitingFor = counting ? stillNeeded(approvers, open.votes, startedBy) : undefined;
  }
  if (waitingFor === undefined) {
    open.decision = decision;
    Object.assign(open.record, {
      decidedAt,
      ...(decision.reviewer !== undefined ? { reviewer: decision.reviewer } : {}),
      ...(decision.reason !== undefined ? { reason: decision.reason } : {}),
      ...(decision.decisionId !== undefined ? { decisionId: decision.decisionId } : {}),
    });
  }
  const closesToRun = runs && waitingFor === undefined;
  return {
    callId: decision.callId,
    kind: decision.kind,
    approved: closesToRun,
    ...(closesToRun ? { argumentsUsed: open.edited ?? open.view.arguments } : {}),
    ...(decision.reviewer !== undefined ? { reviewer: decision.reviewer } : {}),
    ...(decision.reason !== undefined ? { reason: decision.reason } : {}),
    decidedAt,
    ...(decision.decisionId !== undefined ? { decisionId: decision.decisionId } : {}),
    ...(waitingFor !== undefined ? { waitingFor } : {}),
    ...(open.votes.length ? { approvals: open.votes.map((v) => ({ ...v })) } : {}),
  };
}

/** The call as the `pendingApprovals` query (and the memo) show it, with the approvals counted so far. */
export function viewOf(open: OpenCall, argumentsSchema: Record<string, unknown>): PendingApproval {
  const { approvers, startedBy } = open.view;
  const counting = namesReviewers(approvers);
  return {
    ...open.view,
    argumentsSchema,
    ...(open.votes.length ? { approvals: open.votes.map((v) => ({ ...v })) } : {}),
    ...(counting ? { stillNeeded: stillNeeded(approvers, open.votes, startedBy) } : {}),
    ...(open.edited ? { editedArguments: open.edited } : {}),
  };
}

/** How the call ended: its closing decision, else its timeout. */
export function outcomeOf({ view, rules, decision, edited }: OpenCall): ApprovalOutcome {
  if (!decision) {
    return { kind: 'timed_out', onTimeout: rules.onTimeout, timeoutMs: rules.timeoutMs, arguments: view.arguments };
  }
  switch (decision.kind) {
    case 'approve':
    case 'edit':
      return edited
        ? { kind: 'edited', decision, arguments: edited }
        : { kind: 'approved', decision, arguments: view.arguments };
    case 'deny':
      return { kind: 'denied', decision };
    case 'answer':
      return { kind: 'answered', decision, result: decision.result };
  }
}
