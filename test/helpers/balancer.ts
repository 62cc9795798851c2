import type http from 'node:http';
import { type Listening, listen } from '../../common/listen';

export interface Forwarded {
  webhookId: string;
  backends: number[];
  /** What each receiver answered (`outcome` of its 2xx body, or the status). */
  outcomes: string[];
}

/**
 * A round-robin load balancer in front of the receivers, as production would have. Every second delivery is also
 * sent to the other receiver at the same moment, as when Gemini retries a delivery whose answer was lost and the
 * retry lands on another instance: that receiver's in-memory dedupe has never seen the webhook-id.
 */
export class RoundRobinBalancer {
  readonly forwarded: Forwarded[] = [];
  private next = 0;
  private listening?: Listening;

  constructor(private readonly backends: string[]) {}

  async start(): Promise<string> {
    this.listening = await listen((req, res) => void this.forward(req, res), { what: 'load balancer' });
    return `${this.listening.url}/webhooks/gemini`;
  }

  private async forward(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k)),
    ) as Record<string, string>;
    const index = this.next++;
    const primary = index % this.backends.length;
    const targets = index % 2 === 1 ? [primary, (primary + 1) % this.backends.length] : [primary];
    const record: Forwarded = { webhookId: headers['webhook-id'], backends: targets, outcomes: [] };
    this.forwarded.push(record);
    const answers = await Promise.all(
      targets.map((t) =>
        fetch(this.backends[t], { method: 'POST', headers, body }).then(
          async (r) => ({
            status: r.status,
            outcome: r.ok ? ((await r.json()) as { outcome: string }).outcome : String(r.status),
          }),
          () => ({ status: 502, outcome: '502' }),
        ),
      ),
    );
    record.outcomes = answers.map((a) => a.outcome);
    res.writeHead(answers[0]!.status).end();
  }

  async stop(): Promise<void> {
    await this.listening?.close();
  }
}
