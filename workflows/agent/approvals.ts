import { log } from '@temporalio/workflow';
import {
  type ApprovalNotificationResult,
  type ApprovalRecord,
  type ApprovalStatus,
  type ApprovalToolOutcome,
  type ApproverRule,
  allowedDecisions,
  argumentsSchema,
  checkAgainstCall,
  type DecidedApproval,
  type PendingApproval,
  type PublishedApprovals,
  type RuleDecision,
  readDecision,
  type ToolSpec,
} from '../../contract';
import { withParsedEdit } from './approval-decisions';
import { ClosedCalls } from './closed-calls';
import {
  type ApprovalRules,
  applyDecision,
  type ClosedHow,
  type OpenCall,
  outcomeOf,
  statusOf,
  viewOf,
} from './open-call';
import { boundedPublication } from './published';

export type { ApprovalOutcome, ApprovalRules } from './open-call';

/** What one run hands to the next: how earlier calls ended (so a late decision is recognised) and the audit log. */
export interface ApprovalsCarryOver {
  /** `[callId, how, when, tool]`; runs continued by earlier versions carry only the first two. */
  closed: [callId: string, how: Exclude<ApprovalStatus, 'pending'>, at?: string, tool?: string][];
  /** Absent in runs continued by earlier versions. */
  log?: ApprovalRecord[];
  /** Decision ids already applied or refused, so a durable record that arrives late is not applied twice. */
  decisionIds?: string[];
}

const decisionIdsKept = 500;
/** Records kept in the audit log (and carried across continue-as-new); older ones are dropped first. */
export const approvalLogKept = 100;

/** What opening a call adds to the tool's own rules: the rule that asked for a person, who may decide, who started. */
export interface OpenOptions {
  rule?: RuleDecision;
  /** Who may decide and how many (the rule's verdict, else the tool's `approvers`); none for calls of older runs. */
  approvers?: ApproverRule;
  startedBy?: string;
  /** Give the call an id of its own if the model reused one this run already had (not for runs recorded before). */
  uniqueKey?: boolean;
}

/**
 * The approvals of one agent: which calls wait for a decision, how earlier ones ended, and the audit record of each.
 * The update validator asks it whether a decision is acceptable; the handler (or a durable record, when the run's
 * worker was down) applies it; the waiting call reads it. Plain state: what the workflow schedules around it (timers,
 * notifications, search attributes, the memo) is elsewhere.
 */
export class ApprovalBook {
  private readonly pending = new Map<string, OpenCall>();
  private readonly closed: ClosedCalls;
  private readonly records: Map<string, ApprovalRecord>;
  /** This run's decisions by id, with what each returned: a repeat (the record after its update) returns the same. */
  private readonly applied = new Map<string, DecidedApproval>();
  private readonly decisionIds: Set<string>;

  constructor(carried?: ApprovalsCarryOver) {
    this.closed = new ClosedCalls(carried?.closed);
    this.records = new Map((carried?.log ?? []).map((r) => [r.callId, r]));
    this.decisionIds = new Set(carried?.decisionIds);
  }

  /**
   * Throws the one reason a decision must be refused; nothing refused reaches history. An update is also refused once
   * the run's clock has passed its `acceptBy`: its sender has stopped waiting and told the person it was not taken.
   */
  validate(raw: unknown, opts: { now: number; update: boolean }): void {
    const decision = readDecision(raw);
    if (opts.update && decision.acceptBy !== undefined && opts.now > Date.parse(decision.acceptBy)) {
      const which = decision.decisionId !== undefined ? `decision ${decision.decisionId}` : 'this decision';
      throw new Error(
        `${which} reached the run at ${iso(opts.now)}, after its sender stopped waiting (${decision.acceptBy}): ` +
          'it is not applied',
      );
    }
    if (decision.decisionId !== undefined && this.applied.has(decision.decisionId)) return;
    if (decision.decisionId !== undefined && this.decisionIds.has(decision.decisionId)) {
      throw new Error(`decision ${decision.decisionId} was already taken`);
    }
    const open = this.pending.get(decision.callId);
    if (open) {
      if (open.decision) throw new Error(`call ${decision.callId} was already ${statusOf[open.decision.kind]}`);
      checkAgainstCall(decision, this.rulesOf(open));
      withParsedEdit(decision, open.spec, true);
      return;
    }
    const closed = this.closed.reason(decision.callId);
    if (closed) throw new Error(closed);
    throw new Error(`unknown call ${decision.callId}: no such call waits for approval`);
  }

  /** Applies a validated decision (also on replay, where the validator does not run); the waiting call picks it up. */
  decide(raw: unknown, now: number): DecidedApproval {
    const read = readDecision(raw);
    const earlier = read.decisionId !== undefined ? this.applied.get(read.decisionId) : undefined;
    if (earlier) return earlier;
    const open = this.pending.get(read.callId)!;
    const decided = applyDecision(open, withParsedEdit(read, open.spec), now);
    if (read.decisionId !== undefined) {
      this.applied.set(read.decisionId, decided);
      this.remember(this.decisionIds, read.decisionId, decisionIdsKept);
    }
    return decided;
  }

  /**
   * A decision recorded while the worker was down (a signal): applied once, by the same rules as an update; one that
   * has gone stale meanwhile (its call timed out, someone else decided) is refused into the call's audit record.
   * Returns whether it changed anything.
   */
  applyRecord(raw: unknown, now: number): boolean {
    let id: string | undefined;
    try {
      id = readDecision(raw).decisionId;
    } catch (err) {
      log.warn('an ill-formed decision record was ignored', { error: (err as Error).message });
      return false;
    }
    if (id === undefined || this.applied.has(id) || this.decisionIds.has(id)) return false;
    try {
      this.validate(raw, { now, update: false });
    } catch (err) {
      const decision = readDecision(raw);
      const record = this.records.get(decision.callId);
      const refused = { decisionId: id, kind: decision.kind, reason: (err as Error).message };
      if (record) {
        record.refusedDecisions = [
          ...(record.refusedDecisions ?? []),
          { ...refused, ...(decision.reviewer !== undefined ? { reviewer: decision.reviewer } : {}), at: iso(now) },
        ];
      }
      this.remember(this.decisionIds, id, decisionIdsKept);
      log.warn('a recorded decision was refused when the run applied it', refused);
      return record !== undefined;
    }
    this.decide(raw, now);
    return true;
  }

  /** Opens a call for a decision; `close` says how it ended (a decision, or a timeout when there is none). */
  open(
    request: { callId: string; tool: string; arguments: Record<string, unknown>; note?: string; interactionId: string },
    spec: ToolSpec,
    rules: ApprovalRules,
    now: number,
    options: OpenOptions = {},
  ) {
    const key = options.uniqueKey ? this.keyFor(request.callId) : request.callId;
    const requestedAt = iso(now);
    const deadline = iso(now + rules.timeoutMs);
    const { approvers } = options;
    const view: PendingApproval = {
      ...request,
      callId: key,
      requestedAt,
      deadline,
      decisions: allowedDecisions(spec),
      argumentsSchema: {},
      onTimeout: rules.onTimeout,
      ...(rules.remindMs !== undefined ? { remindAt: iso(now + rules.remindMs) } : {}),
      ...(approvers ? { approvers } : {}),
      ...(options.startedBy !== undefined ? { startedBy: options.startedBy } : {}),
      ...(options.rule ? { rule: options.rule } : {}),
    };
    const record: ApprovalRecord = {
      callId: key,
      tool: request.tool,
      interactionId: request.interactionId,
      requestedAt,
      deadline,
      status: 'pending',
      argumentsProposed: request.arguments,
      notifications: [],
      ...(options.rule ? { rule: options.rule } : {}),
    };
    const entry: OpenCall = { view, rules, spec, record, votes: [] };
    this.pending.set(key, entry);
    this.keep(record);
    return {
      key,
      view,
      record,
      decided: () => entry.decision !== undefined,
      close: () => {
        this.pending.delete(key);
        const outcome = outcomeOf(entry);
        record.status = outcome.kind === 'timed_out' ? 'timed_out' : statusOf[entry.decision!.kind];
        if (entry.edited && outcome.kind === 'edited') record.status = 'edited';
        if (outcome.kind === 'answered') record.answer = outcome.result;
        if ('arguments' in outcome && (outcome.kind !== 'timed_out' || outcome.onTimeout === 'approve')) {
          record.argumentsUsed = outcome.arguments;
        }
        this.closed.close(key, record.status as ClosedHow, record.decidedAt ?? deadline, request.tool);
        return { ...outcome, key };
      },
    };
  }

  /** A call a rule decided without a person (run, or refused): recorded with the rule and why. */
  recordRuled(
    request: { callId: string; tool: string; arguments: Record<string, unknown>; interactionId: string },
    rule: RuleDecision,
    status: 'auto' | 'refused',
    now: number,
  ): string {
    const key = this.keyFor(request.callId);
    const at = iso(now);
    const { callId: _, ...rest } = request;
    this.keep({
      ...rest,
      callId: key,
      requestedAt: at,
      status,
      argumentsProposed: request.arguments,
      notifications: [],
      rule,
    });
    this.closed.close(key, status, at, request.tool);
    return key;
  }

  /** What the tool did after the decision. */
  recordOutcome(callId: string, outcome: ApprovalToolOutcome): void {
    const record = this.records.get(callId);
    if (record) record.outcome = outcome;
  }

  recordNotification(callId: string, result: ApprovalNotificationResult): void {
    this.records.get(callId)?.notifications.push(result);
  }

  /** Calls waiting for a decision (also those whose approvals are still being counted). */
  list(): PendingApproval[] {
    return [...this.pending.values()].filter((p) => !p.decision).map((p) => viewOf(p, argumentsSchema(p.spec)));
  }

  /** The tools of the calls that wait for a decision, each once: the GeminiPendingApprovals search attribute. */
  pendingTools(): string[] {
    return [...new Set(this.list().map((p) => p.tool))];
  }

  /** What the run publishes in its memo: the waiting calls with their rules, and the latest closed calls. */
  published(): PublishedApprovals {
    return boundedPublication({ pending: this.list(), closed: this.closed.latest() });
  }

  log(): ApprovalRecord[] {
    return [...this.records.values()].map((r) => ({ ...r, notifications: [...r.notifications] }));
  }

  carryOver(): ApprovalsCarryOver {
    return {
      closed: this.closed.carryOver(),
      log: this.log(),
      decisionIds: [...this.decisionIds],
    };
  }

  private rulesOf(open: OpenCall) {
    return { ...open.view, approvals: open.votes };
  }

  /** The model's call id, or, when this run already had a call with that id, the id with `~2`, `~3`, ... */
  private keyFor(callId: string): string {
    const taken = (id: string) => this.pending.has(id) || this.closed.has(id) || this.records.has(id);
    let key = callId;
    for (let n = 2; taken(key); n++) key = `${callId}~${n}`;
    return key;
  }

  private keep(record: ApprovalRecord): void {
    this.records.delete(record.callId);
    this.records.set(record.callId, record);
    if (this.records.size > approvalLogKept) this.records.delete(this.records.keys().next().value!);
  }

  private remember(set: Set<string>, id: string, kept: number): void {
    set.add(id);
    if (set.size > kept) set.delete(set.values().next().value!);
  }
}

const iso = (ms: number) => new Date(ms).toISOString();
