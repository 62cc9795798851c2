import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { GeminiflowClient } from '../client';

/**
 * What the pages show, reduced to what identifies a change: pending calls, waiting runs, running fan-outs' published
 * counts (so progress moves on the open pages), their usage, dead letters.
 */
export async function consoleSnapshot(g: GeminiflowClient): Promise<string> {
  const [pending, runs, fanOuts, letters] = await Promise.all([
    g.listPendingApprovals(),
    g.listRuns({ waiting: true, limit: 200 }),
    g.listRuns({ fanOuts: true, running: true, limit: 200 }),
    g.deadLetters({ includeReplayed: true, limit: 500 }),
  ]);
  return JSON.stringify([
    // Approvals counted toward a quorum and decisions waiting for a worker change what a call's page shows, too.
    pending.map((p) => [p.workflowId, p.callId, p.approvals?.length ?? 0, p.recorded?.length ?? 0]),
    runs.map((r) => [r.workflowId, r.waitingFor, r.waitingSince, r.usage?.total.totalTokens]),
    fanOuts.map((r) => [r.workflowId, r.fanOut, r.usage?.total.totalTokens]),
    letters.map((l) => [l.workflowId, l.status]),
  ]);
}

/**
 * Server-sent events for open pages: while at least one page listens, the state is read every `pollMs`; when it
 * changes, every page is told (`change`) and fetches itself again. One poller serves every page. `ready` tells a page
 * that the feed follows the state for it (after it connects, and after Temporal answers again) and when the state was
 * last seen to change (`changedAt`): a page read before that reads itself again, since the change may have come
 * between its reading and its connection.
 */
export class LiveFeed {
  private readonly pages = new Set<Response>();
  private polling = false;
  /** The latest poll loop, awaited on close. */
  private loop?: Promise<void>;
  private heartbeat?: NodeJS.Timeout;
  private last?: string;
  /** When the poller last saw the state differ from its previous reading (ms), or first read it. */
  private changedAt = 0;
  private failing = false;
  private closed = false;
  /** Ends the pause between two readings early (on close). */
  private wake?: (value?: unknown) => void;

  constructor(
    private readonly snapshot: () => Promise<string>,
    private readonly pollMs: number,
    private readonly logger: Logger,
  ) {}

  readonly route = (req: Request, res: Response): void => {
    res
      .status(200)
      .set({ 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    res.flushHeaders();
    res.write('retry: 2000\n\n');
    this.pages.add(res);
    if (this.last !== undefined) res.write(`event: ready\ndata: ${JSON.stringify({ changedAt: this.changedAt })}\n\n`);
    req.on('close', () => this.pages.delete(res));
    this.startPolling();
  };

  private send(event: string, data: unknown, to: Iterable<Response> = this.pages): void {
    for (const page of to) page.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private startPolling(): void {
    if (this.polling || this.closed) return;
    this.heartbeat = setInterval(() => {
      for (const page of this.pages) page.write(': keep-alive\n\n');
    }, 15_000);
    this.polling = true;
    this.loop = this.poll();
  }

  /** Runs while pages listen; the check and the stop happen without an await between them, so one loop runs at most. */
  private async poll(): Promise<void> {
    while (this.pages.size > 0 && !this.closed) {
      try {
        const now = await this.snapshot();
        if (now !== this.last) this.changedAt = Date.now();
        // After a failed reading every page reads itself again: what changed meanwhile may not differ from `last`.
        if (this.last === undefined || this.failing) this.send('ready', { changedAt: this.changedAt });
        else if (now !== this.last) this.send('change', { at: new Date(this.changedAt).toISOString() });
        this.last = now;
        this.failing = false;
      } catch (err) {
        if (!this.failing)
          this.logger.warn({ err: (err as Error).message }, 'console: reading the state for live updates failed');
        this.failing = true;
        this.send('unavailable', { reason: 'Temporal did not answer' });
      }
      await new Promise((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, this.pollMs).unref();
      });
    }
    clearInterval(this.heartbeat);
    this.polling = false;
    this.last = undefined;
    this.failing = false;
  }

  /** Ends every page's stream and resolves once a reading in progress has finished: nothing runs after it. */
  async close(): Promise<void> {
    this.closed = true;
    for (const page of this.pages) page.end();
    this.pages.clear();
    this.wake?.();
    await this.loop;
  }
}
