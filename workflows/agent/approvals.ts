/** A person's answer to a call that needs approval, sent with the `decideApproval` update. */
export interface ApprovalDecision {
  callId: string;
  approve: boolean;
  /** Told to the model when the call is denied, and kept in the transcript. */
  reason?: string;
  /** Who decided, for the record. */
  reviewer?: string;
}

/** A call waiting for a decision, as the `pendingApprovals` query shows it. */
export interface PendingApproval {
  callId: string;
  tool: string;
  arguments: Record<string, unknown>;
  /** What the approver should know about the tool. */
  note?: string;
  interactionId: string;
  requestedAt: string;
  /** Without a decision by then, the call is refused. */
  deadline: string;
}

export type ApprovalOutcome =
  | { kind: 'approved'; decision: ApprovalDecision }
  | { kind: 'denied'; decision: ApprovalDecision }
  | { kind: 'timed_out' };

/** What one run hands to the next, so a late decision about an old call is still recognised as stale. */
export interface ApprovalsCarryOver {
  closed: [callId: string, how: ClosedHow][];
}

type ClosedHow = 'approved' | 'denied' | 'timed_out';
const closedKept = 200;

/**
 * The approvals of one agent: which calls wait for a decision, and how earlier ones ended. The update validator asks it
 * whether a decision is acceptable; the handler records it; the waiting tool call reads it.
 */
export class ApprovalBook {
  private readonly pending = new Map<string, PendingApproval & { decision?: ApprovalDecision }>();
  private readonly closed: Map<string, ClosedHow>;

  constructor(carried?: ApprovalsCarryOver) {
    this.closed = new Map(carried?.closed);
  }

  /** Throws the reason a decision must be refused: unknown call, repeated decision, or a call no longer pending. */
  validate(decision: ApprovalDecision): void {
    if (!decision || typeof decision.callId !== 'string' || typeof decision.approve !== 'boolean') {
      throw new Error('a decision needs a callId (string) and approve (boolean)');
    }
    const open = this.pending.get(decision.callId);
    if (open) {
      if (open.decision) throw new Error(`call ${decision.callId} was already ${verdict(open.decision)}`);
      return;
    }
    const how = this.closed.get(decision.callId);
    if (how === 'timed_out') {
      throw new Error(`call ${decision.callId} is no longer pending: it timed out and was refused`);
    }
    if (how) throw new Error(`call ${decision.callId} was already ${how}`);
    throw new Error(`unknown call ${decision.callId}: no such call waits for approval`);
  }

  /** Records a validated decision; the waiting call picks it up. */
  decide(decision: ApprovalDecision): void {
    const open = this.pending.get(decision.callId)!;
    open.decision = { ...decision };
  }

  /** Opens a call for approval; `wait` resolves with the decision or a timeout. */
  open(request: Omit<PendingApproval, 'requestedAt' | 'deadline'>, now: number, timeoutMs: number) {
    const entry: PendingApproval & { decision?: ApprovalDecision } = {
      ...request,
      requestedAt: new Date(now).toISOString(),
      deadline: new Date(now + timeoutMs).toISOString(),
    };
    this.pending.set(request.callId, entry);
    return {
      decided: () => entry.decision !== undefined,
      close: (): ApprovalOutcome => {
        this.pending.delete(request.callId);
        const outcome: ApprovalOutcome = !entry.decision
          ? { kind: 'timed_out' }
          : { kind: entry.decision.approve ? 'approved' : 'denied', decision: entry.decision };
        this.remember(request.callId, outcome.kind);
        return outcome;
      },
    };
  }

  list(): PendingApproval[] {
    return [...this.pending.values()]
      .filter((p) => !p.decision)
      .map(({ decision: _decision, ...view }) => view);
  }

  carryOver(): ApprovalsCarryOver {
    return { closed: [...this.closed.entries()] };
  }

  private remember(callId: string, how: ClosedHow): void {
    this.closed.delete(callId);
    this.closed.set(callId, how);
    if (this.closed.size > closedKept) this.closed.delete(this.closed.keys().next().value!);
  }
}

function verdict(decision: ApprovalDecision): string {
  return decision.approve ? 'approved' : 'denied';
}
