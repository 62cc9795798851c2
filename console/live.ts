import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { GeminiflowClient } from '../client';

/**
 * What the pages show, reduced to what identifies a change: pending calls, waiting runs, running fan-outs' published
 * counts (so progress moves on the open pages), dead letters.
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
    runs.map((r) => [r.workflowId, r.waitingFor, r.waitingSince]),
    fanOuts.map((r) => [r.workflowId, r.fanOut]),
    letters.map((l) => [l.workflowId, l.status]),
  ]);
}

/**
 * Server-sent events for open pages: while at least one page listens, the state is read every `pollMs`; when it
 * changes, every page is told (`change`) and fetches itself again. One poller serves every page.
 */
export class LiveFeed {
  private readonly pages = new Set<Response>();
  private polling = false;
  private heartbeat?: NodeJS.Timeout;
  private last?: string;
  private closed = false;

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
    if (this.last !== undefined) res.write('event: ready\ndata: {}\n\n');
    req.on('close', () => this.pages.delete(res));
    this.startPolling();
  };

  private send(event: string, data: unknown, to: Iterable<Response> = this.pages): void {
    for (const page of to) page.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private startPolling(): void {
    if (this.polling || this.closed) return;
    this.polling = true;
    this.heartbeat = setInterval(() => {
      for (const page of this.pages) page.write(': keep-alive\n\n');
    }, 15_000);
    void this.poll();
  }

  /** Runs while pages listen; the check and the stop happen without an await between them, so one loop runs at most. */
  private async poll(): Promise<void> {
    while (this.pages.size > 0 && !this.closed) {
      try {
        const now = await this.snapshot();
        if (this.last === undefined) this.send('ready', {});
        else if (now !== this.last) this.send('change', { at: new Date().toISOString() });
        this.last = now;
      } catch (err) {
        this.logger.warn({ err: (err as Error).message }, 'console: reading the state for live updates failed');
        this.send('unavailable', { reason: 'Temporal did not answer' });
      }
      await new Promise((resolve) => setTimeout(resolve, this.pollMs).unref());
    }
    clearInterval(this.heartbeat);
    this.polling = false;
    this.last = undefined;
  }

  close(): void {
    this.closed = true;
    for (const page of this.pages) page.end();
    this.pages.clear();
  }
}
