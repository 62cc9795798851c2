import { ineligibility, repeatedApproval } from './approval-rules';
import { type ApprovalDecision, type DecisionKind, decisionKinds, type PendingApproval } from './approvals';

/*
 * The checks every decision passes, shared by the run (which enforces them in its update validator, and again when it
 * applies a decision recorded while its worker was down) and a client (which checks a decision against the call the
 * run published before recording it).
 */

/** A decision in its one internal form: the first form (`approve: boolean`) mapped to approve or deny. */
export interface ParsedDecision {
  callId: string;
  kind: DecisionKind;
  reason?: string;
  reviewer?: string;
  reviewerGroups?: string[];
  decisionId?: string;
  acceptBy?: string;
  /** edit: the arguments as the tool's schema parsed them. */
  arguments?: Record<string, unknown>;
  /** answer: what the model gets in place of the tool's result. */
  result?: unknown;
}

/** What a call's rules need to judge a decision: the published view of a pending call carries all of it. */
export type CallRules = Pick<PendingApproval, 'tool' | 'decisions' | 'approvers' | 'approvals' | 'startedBy'>;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function optionalFields(raw: Record<string, unknown>) {
  for (const field of ['reason', 'reviewer', 'decisionId', 'acceptBy'] as const) {
    if (raw[field] !== undefined && typeof raw[field] !== 'string') throw new Error(`${field} must be a string`);
  }
  const groups = raw.reviewerGroups;
  if (groups !== undefined && !(Array.isArray(groups) && groups.every((g) => typeof g === 'string'))) {
    throw new Error('reviewerGroups must be a list of group names');
  }
  if (typeof raw.decisionId === 'string' && !/^[\w.:@-]{1,128}$/.test(raw.decisionId)) {
    throw new Error('decisionId must be 1-128 letters, digits or . : @ - _');
  }
  if (typeof raw.acceptBy === 'string' && Number.isNaN(Date.parse(raw.acceptBy))) {
    throw new Error('acceptBy must be an ISO date');
  }
  return {
    ...(raw.reason !== undefined ? { reason: raw.reason as string } : {}),
    ...(raw.reviewer !== undefined ? { reviewer: raw.reviewer as string } : {}),
    ...(groups !== undefined ? { reviewerGroups: groups as string[] } : {}),
    ...(raw.decisionId !== undefined ? { decisionId: raw.decisionId as string } : {}),
    ...(raw.acceptBy !== undefined ? { acceptBy: raw.acceptBy as string } : {}),
  };
}

/** The decision in its internal form; throws the reason an ill-formed one is refused. */
export function readDecision(raw: ApprovalDecision | unknown): ParsedDecision {
  if (!isRecord(raw) || typeof raw.callId !== 'string' || !raw.callId) {
    throw new Error('a decision needs a callId (string) and a kind (approve, edit, deny or answer)');
  }
  const common = { callId: raw.callId, ...optionalFields(raw) };
  if (raw.kind === undefined) {
    if (typeof raw.approve !== 'boolean') {
      throw new Error(
        'a decision needs a kind (approve, edit, deny or answer), or approve (boolean) in the first form',
      );
    }
    return { ...common, kind: raw.approve ? 'approve' : 'deny' };
  }
  if (typeof raw.kind !== 'string' || !(decisionKinds as readonly string[]).includes(raw.kind)) {
    throw new Error(`unknown kind of decision ${JSON.stringify(raw.kind)}: use approve, edit, deny or answer`);
  }
  const kind = raw.kind as DecisionKind;
  if (kind === 'deny' && !(typeof raw.reason === 'string' && raw.reason.trim())) {
    throw new Error('a denial needs a reason (it is told to the model)');
  }
  if (kind === 'edit' && !isRecord(raw.arguments)) throw new Error('an edit needs arguments (an object)');
  if (kind === 'answer' && raw.result === undefined) throw new Error('an answer needs a result (what the model gets)');
  return {
    ...common,
    kind,
    ...(kind === 'edit' ? { arguments: raw.arguments as Record<string, unknown> } : {}),
    ...(kind === 'answer' ? { result: raw.result } : {}),
  };
}

/**
 * Throws why the call's rules refuse the decision: a kind the tool does not allow, a reviewer who may not decide it,
 * the same approver twice. Edited arguments are checked separately (the run with the tool's zod schema, a client with
 * the published JSON Schema).
 */
export function checkAgainstCall(decision: ParsedDecision, call: CallRules): void {
  if (!call.decisions.includes(decision.kind)) {
    throw new Error(`${call.tool} allows ${call.decisions.join(', ')}; not ${decision.kind}`);
  }
  const notAllowed = ineligibility(call.tool, call.approvers, decision.reviewer, decision.reviewerGroups);
  if (notAllowed) throw new Error(notAllowed);
  if (decision.kind === 'approve') {
    const again = repeatedApproval(call.approvals ?? [], decision.reviewer);
    if (again) throw new Error(again);
  }
}
