/**
 * Part 1, event -> resume latency. Sequential, the emulator emitting an event to the receiver (v1a, routed by
 * user_metadata and its routing token, as a real job's) against a raw `client.signal` to the same server, on parked
 * `waitForGeminiJob` runs; in bursts, the bench's Gemini-like sender (bounded concurrency, retries with backoff and
 * Retry-After) against the same burst of raw signals; then real emulator jobs resolved by webhook against the
 * workflow's own polling at 1 s and 5 s. Times come from the server's history (signaled, completed) against this
 * process's clock when the event was sent: same machine.
 */
import { randomUUID } from 'node:crypto';
import type { BenchStack } from '../support/bench-stack';
import {
  completionDelivery,
  emitCompletion,
  historyTimes,
  type Parked,
  signalRaw,
  startParked,
  waitAllCompleted,
} from '../support/parked';
import { type SendReport, sendAll } from '../support/sender';
import { GoogleGenAI, waitForGeminiJob } from '../support/stack';
import { type PartResult, percentiles, round, verdict } from '../support/stats';

export interface LatencySizes {
  sequential: number;
  /** Burst sizes, each with how many attempts the sender keeps in flight (128, the emulator's; or all at once). */
  bursts: { size: number; concurrency: number }[];
  pollingJobs: number;
}

interface Sample {
  total: number;
  signalPart: number;
}

async function sequential(runs: Parked[], fire: (p: Parked) => unknown): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (const p of runs) {
    const t0 = Date.now();
    await fire(p);
    await p.handle.result();
    const { signaledAt, completedAt } = await historyTimes(p);
    samples.push({ total: completedAt - t0, signalPart: signaledAt - t0 });
  }
  return samples;
}

async function burst(
  stack: BenchStack,
  taskQueue: string,
  batch: { runs: Parked[]; prefix: string },
  send: (runs: Parked[]) => Promise<SendReport | unknown>,
) {
  const t0 = Date.now();
  const sent = await send(batch.runs);
  await waitAllCompleted(stack, taskQueue, batch.prefix, batch.runs.length, 300_000);
  const times = await inBatches(batch.runs, historyTimes);
  const drainMs = Math.max(...times.map((t) => t.completedAt)) - t0;
  const report = (sent as SendReport | undefined)?.refused503 === undefined ? undefined : (sent as SendReport);
  return {
    drainMs,
    perSec: batch.runs.length / (drainMs / 1000),
    report,
    ...percentiles(times.map((t) => t.completedAt - t0)),
  };
}

/** Maps with at most 64 calls at once: a thousand history reads at once would only queue at the server. */
async function inBatches<T, R>(items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += 64) out.push(...(await Promise.all(items.slice(i, i + 64).map(fn))));
  return out;
}

/** The burst through the receiver, sent as Gemini would; and the same burst as raw signals, all at once. */
const viaSender = (stack: BenchStack, concurrency: number) => (runs: Parked[]) =>
  sendAll(
    runs.map((p) => completionDelivery(stack, p)),
    { url: stack.receiverUrl, signer: stack.signer, concurrency },
  );
const allRaw = (runs: Parked[]) => Promise.all(runs.map(signalRaw));

/** Real background jobs of `durationMs`, one workflow each, resolved by webhook or by its own status reads. */
async function realJobs(stack: BenchStack, mode: 'webhook' | '1 second' | '5 seconds', n: number, taskQueue: string) {
  const ai = new GoogleGenAI({ apiKey: 'bench', httpOptions: { baseUrl: stack.emulator.baseUrl } });
  const durationMs = 3000;
  const lags = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const workflowId = `bench-job-${mode.replace(' ', '')}-${randomUUID()}`;
      const created = await ai.interactions.create({
        model: 'gemini-2.5-flash',
        input: `bench job ${i} [[duration ${durationMs}]]`,
        background: true,
        store: true,
        ...(mode === 'webhook'
          ? { webhook_config: { uris: [stack.receiverUrl], user_metadata: { temporal_workflow_id: workflowId } } }
          : {}),
      } as Parameters<typeof ai.interactions.create>[0]);
      const every = mode === 'webhook' ? '1 day' : mode;
      const wait = { reconcileAfter: every, reconcileMax: every } as const;
      const handle = await stack.client.workflow.start(waitForGeminiJob, {
        taskQueue,
        workflowId,
        args: [{ kind: 'interaction', id: (created as { id: string }).id }, wait],
      });
      await handle.result();
      const ended = Date.parse(
        ((await ai.interactions.get((created as { id: string }).id)) as { updated: string }).updated,
      );
      const { completedAt } = await historyTimes({ workflowId, handle });
      return completedAt - ended;
    }),
  );
  return percentiles(lags);
}

export async function latencyPart(stack: BenchStack, sizes: LatencySizes): Promise<PartResult> {
  const taskQueue = `bench-latency-${randomUUID()}`;
  const worker = await stack.startWorker({ taskQueue });
  try {
    const viaReceiver = (p: Parked) => emitCompletion(stack, p);
    // Warm-up (connections, JIT in the receiver and the worker), then interleaved, so drifting load hits both alike.
    const warm = await startParked(stack, taskQueue, 10, 'warm');
    await sequential(warm.runs.slice(0, 5), viaReceiver);
    await sequential(warm.runs.slice(5), signalRaw);
    const seq = await startParked(stack, taskQueue, sizes.sequential * 2, 'seq');
    const receiverSeq: Sample[] = [];
    const rawSeq: Sample[] = [];
    for (let i = 0; i < sizes.sequential; i++) {
      receiverSeq.push(...(await sequential([seq.runs[2 * i]!], viaReceiver)));
      rawSeq.push(...(await sequential([seq.runs[2 * i + 1]!], signalRaw)));
    }
    const bursts = [];
    for (const { size, concurrency } of sizes.bursts) {
      const raw = await burst(stack, taskQueue, await startParked(stack, taskQueue, size, 'burst-raw'), allRaw);
      const parked = await startParked(stack, taskQueue, size, 'burst-receiver');
      const received = await burst(stack, taskQueue, parked, viaSender(stack, concurrency));
      bursts.push({ size, concurrency, raw, received });
    }
    // Concurrent: the modes share the jobs' timing and the load, and a poller's lag does not depend on the others.
    const [jobsWebhook, jobsPoll1, jobsPoll5] = await Promise.all([
      realJobs(stack, 'webhook', sizes.pollingJobs, taskQueue),
      realJobs(stack, '1 second', sizes.pollingJobs, taskQueue),
      realJobs(stack, '5 seconds', sizes.pollingJobs, taskQueue),
    ]);

    const total = percentiles(receiverSeq.map((s) => s.total));
    const raw = percentiles(rawSeq.map((s) => s.total));
    const part = percentiles(receiverSeq.map((s) => s.signalPart));
    const rawPart = percentiles(rawSeq.map((s) => s.signalPart));
    const figures = {
      sequential_runs: sizes.sequential,
      p50_ms: total.p50,
      p95_ms: total.p95,
      p99_ms: total.p99,
      raw_signal_p50_ms: raw.p50,
      raw_signal_p95_ms: raw.p95,
      raw_signal_p99_ms: raw.p99,
      receiver_part_p50_ms: part.p50,
      receiver_part_p99_ms: part.p99,
      raw_signal_part_p50_ms: rawPart.p50,
      raw_signal_part_p99_ms: rawPart.p99,
      ...Object.fromEntries(
        bursts.flatMap(({ size, concurrency, raw, received }) => {
          const key = (name: string) => `burst_${size}${concurrency >= size ? '_at_once' : ''}_${name}`;
          return [
            [key('drain_ms'), received.drainMs],
            [key('p50_ms'), received.p50],
            [key('p99_ms'), received.p99],
            [key('raw_signal_drain_ms'), raw.drainMs],
            [key('raw_signal_p50_ms'), raw.p50],
            [key('raw_signal_p99_ms'), raw.p99],
            [key('drain_ratio'), round(received.perSec / raw.perSec)],
            [key('refused_503'), received.report?.refused503 ?? 0],
            [key('unavailable_503'), received.report?.unavailable503 ?? 0],
            [key('refusal_p99_ms'), round(received.report?.refusalMs.p99 ?? NaN, 1)],
            [key('sender_attempts'), received.report?.attempts ?? size],
          ];
        }),
      ),
      // The first burst's figures under the names earlier runs used.
      burst_events: bursts[0]!.size,
      burst_drain_ms: bursts[0]!.received.drainMs,
      burst_raw_signal_drain_ms: bursts[0]!.raw.drainMs,
      burst_drain_ratio: round(bursts[0]!.received.perSec / bursts[0]!.raw.perSec),
      jobs: sizes.pollingJobs,
      job_webhook_p50_ms: jobsWebhook.p50,
      job_webhook_p99_ms: jobsWebhook.p99,
      polling_1s_p50_ms: jobsPoll1.p50,
      polling_1s_p99_ms: jobsPoll1.p99,
      polling_5s_p50_ms: jobsPoll5.p50,
      polling_5s_p99_ms: jobsPoll5.p99,
    };
    const ms = (v: number) => `${round(v, 1)} ms`;
    const ratio = (a: number, b: number) => round(a / b);
    return {
      key: 'latency',
      figures,
      rows: [
        {
          part: 'latency',
          figure: `event->resume p50 (sequential, n=${sizes.sequential})`,
          value: `${ms(total.p50)} (${ratio(total.p50, raw.p50)}x)`,
          baseline: `raw signal ${ms(raw.p50)}`,
          target: '<= 1.1x raw',
          verdict: verdict(ratio(total.p50, raw.p50) <= 1.1),
        },
        {
          part: 'latency',
          figure: 'event->resume p99 (sequential)',
          value: `${ms(total.p99)} (${ratio(total.p99, raw.p99)}x)`,
          baseline: `raw signal ${ms(raw.p99)}`,
          target: '<= 1.1x raw',
          verdict: verdict(ratio(total.p99, raw.p99) <= 1.1),
        },
        {
          part: 'latency',
          figure: 'receiver part p50 (emitted->signaled)',
          value: ms(part.p50),
          baseline: `raw signal ${ms(rawPart.p50)}`,
          target: '<= 3 ms',
          verdict: verdict(part.p50 <= 3),
        },
        {
          part: 'latency',
          figure: 'receiver part p99',
          value: ms(part.p99),
          baseline: `raw signal ${ms(rawPart.p99)}`,
          target: '<= 10 ms',
          verdict: verdict(part.p99 <= 10),
        },
        ...bursts.flatMap(({ size, concurrency, raw, received }) => {
          const ratio = round(received.perSec / raw.perSec);
          const refused = received.report?.refused503 ?? 0;
          const late = received.report?.unavailable503 ?? 0;
          const how = concurrency >= size ? 'sent at once' : `${concurrency} in flight`;
          const refusals = refused ? ` (p99 ${round(received.report!.refusalMs.p99, 1)} ms to answer)` : '';
          const figure = `burst of ${size} (${how}): drained in; 503s: ${refused} busy${refusals}, ${late} past the ack bound`;
          return [
            {
              part: 'latency',
              figure,
              value: `${ms(received.drainMs)} (${ratio}x)`,
              baseline: `raw signals ${ms(raw.drainMs)}`,
              target: '>= 0.9x raw rate',
              verdict: verdict(ratio >= 0.9),
            },
            {
              part: 'latency',
              figure: `burst of ${size} (${how}): p50 / p99`,
              value: `${ms(received.p50)} / ${ms(received.p99)}`,
              baseline: `raw ${ms(raw.p50)} / ${ms(raw.p99)}`,
            },
          ];
        }),
        {
          part: 'latency',
          figure: `real jobs, job end->resume p50 (n=${sizes.pollingJobs})`,
          value: `webhook ${ms(jobsWebhook.p50)}`,
          baseline: `poll 1 s ${ms(jobsPoll1.p50)}, poll 5 s ${ms(jobsPoll5.p50)}`,
        },
      ],
    };
  } finally {
    await worker.stop();
  }
}
