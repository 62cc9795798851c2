import type { Client } from '@temporalio/client';

export interface UntrustedBudgetOptions {
  /** Writes per minute (a token bucket of this size, refilled evenly); default 60. */
  perMinute: number;
  /** No write while this many mailboxes and dead letters are open on the task queue; default 1000. */
  maxOpen: number;
}

/**
 * How much Temporal storage deliveries from unknown senders may use. A per-request delivery without a valid routing
 * token may come from any Gemini customer, so what it leaves behind (a mailbox, a dead letter) is kept only while
 * both bounds allow; the rest is acknowledged and counted, never stored.
 *
 * The open count is read from visibility at first use and again at most once a minute (so closed dead letters free
 * budget), and counted up locally in between, since visibility lags.
 */
export class UntrustedBudget {
  private tokens: number;
  private refilledAt: number;
  private open?: { count: number; readAt: number };

  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly opts: UntrustedBudgetOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = opts.perMinute;
    this.refilledAt = now();
  }

  /** Takes one write from the budget; false when the rate or the total is spent. */
  async take(): Promise<boolean> {
    const now = this.now();
    this.tokens = Math.min(this.opts.perMinute, this.tokens + ((now - this.refilledAt) * this.opts.perMinute) / 60_000);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    if (!this.open || now - this.open.readAt > 60_000) this.open = { count: await this.countOpen(), readAt: now };
    if (this.open.count >= this.opts.maxOpen) return false;
    this.tokens -= 1;
    this.open.count++;
    return true;
  }

  private async countOpen(): Promise<number> {
    const query =
      `WorkflowType IN ('geminiMailbox', 'geminiDeadLetter') AND ExecutionStatus = 'Running'` +
      ` AND TaskQueue = '${this.taskQueue.replace(/'/g, "\\'")}'`;
    return (await this.client.workflow.count(query)).count;
  }
}
