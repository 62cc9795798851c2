import {
  type ApprovalNotificationResult,
  type ApprovalRecord,
  type ApprovalStatus,
  type ApprovalTimeoutOutcome,
  type ApprovalToolOutcome,
  allowedDecisions,
  argumentsSchema,
  type DecidedApproval,
  type DecisionKind,
  type PendingApproval,
  type ToolSpec,
} from '../../contract';
import { checkAgainstTool, type Decision, readDecision, withParsedEdit } from './approval-decisions';

/** How a call's wait for a person ended. */
export type ApprovalOutcome =
  | { kind: 'approved' | 'edited'; decision: Decision; arguments: Record<string, unknown> }
  | { kind: 'denied'; decision: Decision }
  | { kind: 'answered'; decision: Decision; result: unknown }
  | { kind: 'timed_out'; onTimeout: ApprovalTimeoutOutcome; timeoutMs: number; arguments: Record<string, unknown> };

/** A call's rules, from its tool's spec and the agent's input. */
export interface ApprovalRules {
  timeoutMs: number;
  onTimeout: ApprovalTimeoutOutcome;
  /** After this long without a decision, a reminder goes out. */
  remindMs?: number;
}

type ClosedHow = Exclude<ApprovalStatus, 'pending'>;

/** What one run hands to the next: how earlier calls ended (so a late decision is recognised) and the audit log. */
export interface ApprovalsCarryOver {
  closed: [callId: string, how: Exclude<ApprovalStatus, 'pending'>][];
  /** Absent in runs continued by earlier versions. */
  log?: ApprovalRecord[];
}

const closedKept = 200;
/** Records kept in the audit log (and carried across continue-as-new); older ones are dropped first. */
export const approvalLogKept = 100;

const statusOf: Record<DecisionKind, ClosedHow> = {
  approve: 'approved',
  edit: 'edited',
  deny: 'denied',
  answer: 'answered',
};

interface OpenCall {
  view: PendingApproval;
  rules: ApprovalRules;
  spec: ToolSpec;
  record: ApprovalRecord;
  decision?: Decision;
}

/**
 * The approvals of one agent: which calls wait for a decision, how earlier ones ended, and the audit record of each.
 * The update validator asks it whether a decision is acceptable; the handler records it; the waiting call reads it.
 * Plain state: what the workflow schedules around it (timers, notifications, search attributes) is elsewhere.
 */
export class ApprovalBook {
  private readonly pending = new Map<string, OpenCall>();
  private readonly closed: Map<string, ClosedHow>;
  private readonly records: Map<string, ApprovalRecord>;

  constructor(carried?: ApprovalsCarryOver) {
    this.closed = new Map(carried?.closed);
    this.records = new Map((carried?.log ?? []).map((r) => [r.callId, r]));
  }

  /** Throws the one reason a decision must be refused; nothing refused reaches history. */
  validate(raw: unknown): void {
    const decision = readDecision(raw);
    const open = this.pending.get(decision.callId);
    if (open) {
      if (open.decision) throw new Error(`call ${decision.callId} was already ${statusOf[open.decision.kind]}`);
      checkAgainstTool(decision, open.spec);
      return;
    }
    const how = this.closed.get(decision.callId);
    if (how === 'timed_out') throw new Error(`call ${decision.callId} is no longer pending: it timed out`);
    if (how) throw new Error(`call ${decision.callId} was already ${how}`);
    throw new Error(`unknown call ${decision.callId}: no such call waits for approval`);
  }

  /** Records a validated decision (also on replay, where the validator does not run); the waiting call picks it up. */
  decide(raw: unknown, now: number): DecidedApproval {
    const open = this.pending.get((raw as { callId: string }).callId)!;
    const decision = withParsedEdit(readDecision(raw), open.spec);
    open.decision = decision;
    const decidedAt = new Date(now).toISOString();
    Object.assign(open.record, {
      decidedAt,
      ...(decision.reviewer !== undefined ? { reviewer: decision.reviewer } : {}),
      ...(decision.reason !== undefined ? { reason: decision.reason } : {}),
    });
    const runs = decision.kind === 'approve' || decision.kind === 'edit';
    return {
      callId: decision.callId,
      kind: decision.kind,
      approved: runs,
      ...(runs ? { argumentsUsed: decision.arguments ?? open.view.arguments } : {}),
      ...(decision.reviewer !== undefined ? { reviewer: decision.reviewer } : {}),
      ...(decision.reason !== undefined ? { reason: decision.reason } : {}),
      decidedAt,
    };
  }

  /** Opens a call for a decision; `close` says how it ended (a decision, or a timeout when there is none). */
  open(
    request: { callId: string; tool: string; arguments: Record<string, unknown>; note?: string; interactionId: string },
    spec: ToolSpec,
    rules: ApprovalRules,
    now: number,
  ) {
    const requestedAt = new Date(now).toISOString();
    const deadline = new Date(now + rules.timeoutMs).toISOString();
    const view: PendingApproval = {
      ...request,
      requestedAt,
      deadline,
      decisions: allowedDecisions(spec),
      argumentsSchema: {},
      onTimeout: rules.onTimeout,
      ...(rules.remindMs !== undefined ? { remindAt: new Date(now + rules.remindMs).toISOString() } : {}),
    };
    const record: ApprovalRecord = {
      callId: request.callId,
      tool: request.tool,
      interactionId: request.interactionId,
      requestedAt,
      deadline,
      status: 'pending',
      argumentsProposed: request.arguments,
      notifications: [],
    };
    const entry: OpenCall = { view, rules, spec, record };
    this.pending.set(request.callId, entry);
    this.keep(record);
    return {
      view,
      record,
      decided: () => entry.decision !== undefined,
      close: (): ApprovalOutcome => {
        this.pending.delete(request.callId);
        const outcome = outcomeOf(entry);
        record.status = outcome.kind === 'timed_out' ? 'timed_out' : statusOf[entry.decision!.kind];
        if (outcome.kind === 'answered') record.answer = outcome.result;
        if ('arguments' in outcome && (outcome.kind !== 'timed_out' || outcome.onTimeout === 'approve')) {
          record.argumentsUsed = outcome.arguments;
        }
        this.remember(request.callId, record.status);
        return outcome;
      },
    };
  }

  /** What the tool did after the decision. */
  recordOutcome(callId: string, outcome: ApprovalToolOutcome): void {
    const record = this.records.get(callId);
    if (record) record.outcome = outcome;
  }

  recordNotification(callId: string, result: ApprovalNotificationResult): void {
    this.records.get(callId)?.notifications.push(result);
  }

  /** Calls waiting for a decision. */
  list(): PendingApproval[] {
    return [...this.pending.values()]
      .filter((p) => !p.decision)
      .map((p) => ({ ...p.view, argumentsSchema: argumentsSchema(p.spec) }));
  }

  /** The tools of the calls that wait for a decision, each once: the GeminiPendingApprovals search attribute. */
  pendingTools(): string[] {
    return [...new Set(this.list().map((p) => p.tool))];
  }

  log(): ApprovalRecord[] {
    return [...this.records.values()].map((r) => ({ ...r, notifications: [...r.notifications] }));
  }

  carryOver(): ApprovalsCarryOver {
    return { closed: [...this.closed.entries()], log: this.log() };
  }

  private keep(record: ApprovalRecord): void {
    this.records.delete(record.callId);
    this.records.set(record.callId, record);
    if (this.records.size > approvalLogKept) this.records.delete(this.records.keys().next().value!);
  }

  private remember(callId: string, how: ClosedHow): void {
    this.closed.delete(callId);
    this.closed.set(callId, how);
    if (this.closed.size > closedKept) this.closed.delete(this.closed.keys().next().value!);
  }
}

function outcomeOf({ view, rules, decision }: OpenCall): ApprovalOutcome {
  if (!decision) {
    return { kind: 'timed_out', onTimeout: rules.onTimeout, timeoutMs: rules.timeoutMs, arguments: view.arguments };
  }
  switch (decision.kind) {
    case 'approve':
      return { kind: 'approved', decision, arguments: view.arguments };
    case 'edit':
      return { kind: 'edited', decision, arguments: decision.arguments ?? view.arguments };
    case 'deny':
      return { kind: 'denied', decision };
    case 'answer':
      return { kind: 'answered', decision, result: decision.result };
  }
}
