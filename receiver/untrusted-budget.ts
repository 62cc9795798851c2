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
 * budget), and counted up locally in between, since visibility lags. A read may miss the last moments' writes, so the
 * total can be passed by at most what the rate allows in that lag.
 */
export class UntrustedBudget {
  private tokens: number;
  private refilledAt: number;
  private open?: { count: number; readAt: number };
  private reading?: Promise<{ count: number; readAt: number }>;

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
    const open = await this.openCount(now);
    // Checked again after the await: concurrent deliveries share one read and take from the same counts.
    if (this.tokens < 1 || open.count >= this.opts.maxOpen) return false;
    this.tokens -= 1;
    open.count++;
    return true;
  }

  /** The open count, read once for all concurrent callers when it is missing or a minute old. */
  private async openCount(now: number): Promise<{ count: number; readAt: number }> {
    if (this.open && now - this.open.readAt <= 60_000) return this.open;
    this.reading ??= this.countOpen()
      .then((count) => {
        this.open = { count, readAt: this.now() };
        return this.open;
      })
      .finally(() => {
        this.reading = undefined;
      });
    return this.reading;
  }

  private async countOpen(): Promise<number> {
    const query =
      `WorkflowType IN ('geminiMailbox', 'geminiDeadLetter') AND ExecutionStatus = 'Running'` +
      ` AND TaskQueue = '${this.taskQueue.replace(/'/g, "\\'")}'`;
    return (await this.client.workflow.count(query)).count;
  }
}
