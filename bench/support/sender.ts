import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Signer } from './signing';
import { percentiles } from './stats';

/** One delivery as Gemini would make it: a body, and the webhook-id every attempt of it carries. */
export interface Outgoing {
  webhookId: string;
  body: string;
}

export interface SenderOptions {
  url: string;
  signer: Signer;
  /** Attempts in flight at once (the emulator's own default is 128). */
  concurrency?: number;
  /** First backoff after a failure without Retry-After; it doubles, up to `maxDelayMs`. */
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** An attempt without an answer within this counts as failed. */
  timeoutMs?: number;
  /** Give up on a delivery after this long (Gemini retries for 24 hours; a bench has less time). */
  giveUpAfterMs?: number;
}

export interface SendReport {
  delivered: number;
  failed: number;
  attempts: number;
  /** Answers other than 2xx, by status (0: no answer). */
  refusedBy: Record<string, number>;
  /** Answers of 503 with Retry-After: turned away by admission control. */
  refused503: number;
  /** How long the receiver took to answer each of those, from the request to the answer. */
  refusalMs: { p50: number; p99: number; max: number };
  /** Answers of 503 without Retry-After: Temporal did not accept the event within the ack bound (or was down). */
  unavailable503: number;
  /** How long each accepted attempt took. */
  acceptedMs: { p50: number; p99: number };
}

/**
 * A webhook sender that behaves as Gemini's is documented to (at-least-once, retried with backoff) and as webhook
 * senders do: a bounded number of attempts in flight, every non-2xx retried, `Retry-After` obeyed when the receiver
 * gives it (with a little jitter so a burst's retries do not return in lockstep), each attempt signed afresh
 * (`v1a`, a current timestamp) under the delivery's one webhook-id.
 */
export async function sendAll(deliveries: readonly Outgoing[], opts: SenderOptions): Promise<SendReport> {
  const concurrency = opts.concurrency ?? 128;
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const url = new URL(opts.url);
  const refusedBy: Record<string, number> = {};
  const refusalMs: number[] = [];
  const acceptedMs: number[] = [];
  let unavailable503 = 0;
  let attempts = 0;
  let delivered = 0;
  let failed = 0;
  // Deliveries waiting for a free slot, in the order they became due.
  const due: { d: Outgoing; failures: number; firstAt: number }[] = deliveries.map((d) => ({
    d,
    failures: 0,
    firstAt: 0,
  }));
  let head = 0;
  let inFlight = 0;
  let pendingRetries = 0;
  let wake: (() => void) | undefined;
  const notify = () => wake?.();

  const attempt = async (item: (typeof due)[number]) => {
    attempts++;
    item.firstAt ||= Date.now();
    const { headers, body } = opts.signer.sign('v1a', item.d.body, item.d.webhookId);
    const started = performance.now();
    const answer = await post(agent, url, headers, body, opts.timeoutMs ?? 10_000);
    const ms = performance.now() - started;
    if (answer.status >= 200 && answer.status < 300) {
      acceptedMs.push(ms);
      delivered++;
      return;
    }
    refusedBy[answer.status] = (refusedBy[answer.status] ?? 0) + 1;
    if (answer.status === 503 && answer.retryAfterSec !== undefined) refusalMs.push(ms);
    else if (answer.status === 503) unavailable503++;
    item.failures++;
    if (Date.now() - item.firstAt > (opts.giveUpAfterMs ?? 600_000)) {
      failed++;
      return;
    }
    const backoff = Math.min(opts.maxDelayMs ?? 30_000, (opts.firstDelayMs ?? 1000) * 2 ** (item.failures - 1));
    const wait = answer.retryAfterSec !== undefined ? answer.retryAfterSec * 1000 : backoff;
    pendingRetries++;
    void sleep(wait * (0.9 + Math.random() * 0.2)).then(() => {
      pendingRetries--;
      due.push(item);
      notify();
    });
  };

  for (;;) {
    while (inFlight < concurrency && head < due.length) {
      const item = due[head++]!;
      inFlight++;
      void attempt(item).finally(() => {
        inFlight--;
        notify();
      });
    }
    if (inFlight === 0 && pendingRetries === 0 && head >= due.length) break;
    await new Promise<void>((resolve) => (wake = resolve));
  }
  agent.destroy();
  const refusals = percentiles(refusalMs);
  const accepted = percentiles(acceptedMs);
  return {
    delivered,
    failed,
    attempts,
    refusedBy,
    refused503: refusalMs.length,
    refusalMs: { p50: refusals.p50, p99: refusals.p99, max: Math.max(0, ...refusalMs) },
    unavailable503,
    acceptedMs: { p50: accepted.p50, p99: accepted.p99 },
  };
}

function post(
  agent: http.Agent,
  url: URL,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<{ status: number; retryAfterSec?: number }> {
  return new Promise((resolve) => {
    const req = http.request(
      url,
      { method: 'POST', agent, timeout: timeoutMs, headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        res.resume();
        res.on('end', () => {
          const retryAfter = Number(res.headers['retry-after']);
          resolve({
            status: res.statusCode ?? 0,
            retryAfterSec: Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined,
          });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0 }));
    req.end(body);
  });
}
