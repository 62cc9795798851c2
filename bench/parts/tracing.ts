/**
 * The cost of tracing: the receiver's verified deliveries per second and event -> resume latency with tracing on
 * (OTLP/HTTP protobuf to a collector-like sink in this process, the standard OTEL_* variables), beside the same with
 * tracing off, in the same run, on the same server. Two receiver processes (one traced) take turns on the same parked
 * runs; two workers (one traced, its bundle with Temporal's workflow interceptors) each host half the latency runs.
 * Deliveries carry a trace context in user_metadata, as a traced worker's jobs do.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { BenchStack } from '../support/bench-stack';
import { measure, type Phase, post } from '../support/load';
import { historyTimes, type Parked, startParked } from '../support/parked';
import { cpuMs } from '../support/processes';
import {
  bundleWorkflows,
  contextFromTraceparent,
  DeliveryTrace,
  flushTracing,
  inSpan,
  mintRoutingToken,
  routingTokenField,
  temporalTraceHeaderFields,
  tracingFor,
  workflowsPath,
} from '../support/stack';
import { type PartResult, percentiles, type Row, round, verdict } from '../support/stats';

export interface TracingSizes {
  deliveries: number;
  concurrency: number;
  rounds: number;
  sequential: number;
}

/** Accepts OTLP/HTTP exports as a collector would (200, body read), counting them: proof the traced side exported. */
async function startTraceSink() {
  let requests = 0;
  let bytes = 0;
  const server = http.createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      requests++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
  return {
    env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url, OTEL_TRACES_EXPORTER: 'otlp' },
    counts: () => ({ requests, bytes }),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const traceparent = () => `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;

/** user_metadata as a traced worker writes it into a job: workflow id, routing token, and the creating span. */
const metadata = (stack: BenchStack, p: Parked) => ({
  temporal_workflow_id: p.workflowId,
  [routingTokenField]: mintRoutingToken(stack.routingKey, p.workflowId, 'interaction'),
  traceparent: traceparent(),
});

/**
 * What tracing adds to the receiver's own work per delivery, in this process and without HTTP or Temporal: the
 * delivery span with its verify and route steps, the signal span and its header, and their export (OTLP/HTTP protobuf
 * to the sink, flushed within the clock). Steadier than the end-to-end figures on a busy machine.
 */
async function spanCostUs(env: Record<string, string>): Promise<number> {
  // The exporter reads its endpoint from the environment when it is made: set for that moment only, so nothing else
  // this bench process starts afterwards is traced.
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  const tracing = tracingFor('receiver')!;
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  const deliveries = async (n: number) => {
    const parents = Array.from({ length: n }, traceparent);
    const started = performance.now();
    for (let i = 0; i < n; i++) {
      const trace = new DeliveryTrace(tracing);
      trace.verified(performance.now());
      trace.routed(performance.now(), { 'geminiflow.route': 'workflow', 'geminiflow.route.trusted': true });
      trace.open(contextFromTraceparent(parents[i]));
      await trace.within(() =>
        inSpan(tracing, 'SignalWorkflow:geminiEvent', {}, async () => temporalTraceHeaderFields()),
      );
      trace.close({ status: 200, outcome: 'signaled', type: 'interaction.completed', webhookId: `msg_${i}` });
    }
    await flushTracing();
    return ((performance.now() - started) * 1000) / n;
  };
  await deliveries(1000); // warm-up
  return round(await deliveries(5000), 1);
}

export async function tracingPart(stack: BenchStack, sizes: TracingSizes): Promise<PartResult> {
  const sink = await startTraceSink();
  const dir = fs.mkdtempSync(path.join(stack.dir, 'traced-'));
  const tracedBundle = await bundleWorkflows(path.join(dir, 'workflows.js'), workflowsPath, { tracing: true });
  const traced = await stack.startOtherReceiver(sink.env);
  const receivers = {
    off: { url: stack.receiverUrl, pid: stack.receiver.pid },
    on: { url: traced.url, pid: traced.child.pid },
  };
  const agent = new http.Agent({ keepAlive: true, maxSockets: sizes.concurrency });
  let runs: Parked[] = [];
  try {
    // Throughput: parked runs without a worker (a delivery counts once the server holds it), v1a as per-request jobs.
    const targets = 16;
    const queue = `bench-tracing-${randomUUID()}`;
    const parkingWorker = await stack.startWorker({ taskQueue: queue });
    ({ runs } = await startParked(stack, queue, targets, 'tracing').finally(() => parkingWorker.stop()));
    const deliveries = (side: keyof typeof receivers) => (n: number) => {
      const signed = Array.from({ length: n }, (_, i) => {
        const p = runs[i % targets]!;
        const body = {
          type: 'interaction.completed',
          version: 'v1',
          timestamp: new Date().toISOString(),
          data: { id: p.resourceId, user_metadata: metadata(stack, p) },
        };
        return stack.signer.sign('v1a', JSON.stringify(body));
      });
      const url = new URL(receivers[side].url);
      return measure(
        sizes.concurrency,
        n,
        async (i) => {
          const status = await post(agent, url, signed[i]!.headers, signed[i]!.body);
          return status === 200 || `HTTP ${status}`;
        },
        [receivers[side].pid],
      );
    };
    await deliveries('off')(200); // warm-up: connections, JWKS, JIT
    await deliveries('on')(200);
    const phases: Record<'off' | 'on', Phase[]> = { off: [], on: [] };
    for (let r = 0; r < sizes.rounds; r++) {
      // Alternating which goes first, so drifting load falls on both alike.
      const order: ('off' | 'on')[] = r % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
      for (const side of order) phases[side].push(await deliveries(side)(sizes.deliveries));
    }
    const best = (list: Phase[]) => list.reduce((a, b) => (b.perSec > a.perSec ? b : a));
    const off = best(phases.off);
    const on = best(phases.on);

    // Latency: sequential, interleaved, each side its own worker; the event emitted by the emulator as Gemini would.
    const offQueue = `bench-tracing-off-${randomUUID()}`;
    const onQueue = `bench-tracing-on-${randomUUID()}`;
    const workers = [
      await stack.startWorker({ taskQueue: offQueue }),
      await stack.startWorker({ taskQueue: onQueue, env: { ...sink.env, BENCH_WORKFLOW_BUNDLE: tracedBundle } }),
    ];
    try {
      const n = sizes.sequential + 3;
      const parked = {
        off: (await startParked(stack, offQueue, n, 'tracing-off')).runs,
        on: (await startParked(stack, onQueue, n, 'tracing-on')).runs,
      };
      const once = async (side: 'off' | 'on', p: Parked) => {
        const t0 = Date.now();
        stack.emulator.control.emitEvent({
          type: 'interaction.completed',
          data: { id: p.resourceId },
          userMetadata: metadata(stack, p),
          uris: [receivers[side].url],
        });
        await p.handle.result();
        return (await historyTimes(p)).completedAt - t0;
      };
      const samples: Record<'off' | 'on', number[]> = { off: [], on: [] };
      // CPU time is steadier than wall time on a shared machine: each worker's, per run resumed.
      const workerPids = { off: workers[0]!.pid, on: workers[1]!.pid };
      const cpuBefore = { off: cpuMs(workerPids.off), on: cpuMs(workerPids.on) };
      for (let i = 0; i < n; i++) {
        const order: ('off' | 'on')[] = i % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
        for (const side of order) {
          const ms = await once(side, parked[side][i]!);
          if (i >= 3) samples[side].push(ms); // the first three warm both sides up
        }
      }
      const latency = { off: percentiles(samples.off), on: percentiles(samples.on) };
      const workerCpu = (side: 'off' | 'on') =>
        round(((cpuMs(workerPids[side]) ?? NaN) - (cpuBefore[side] ?? NaN)) / n, 2);
      const workerCpuMs = { off: workerCpu('off'), on: workerCpu('on') };
      const exported = sink.counts();
      if (exported.requests === 0) throw new Error('the traced side exported no spans: tracing was not on');
      const spanUs = await spanCostUs(sink.env);

      const throughputRatio = round(on.perSec / off.perSec);
      const p50Ratio = round(latency.on.p50 / latency.off.p50);
      const p99Ratio = round(latency.on.p99 / latency.off.p99);
      const figures = {
        deliveries_per_round: sizes.deliveries,
        concurrency: sizes.concurrency,
        rounds: sizes.rounds,
        receiver_off_per_s: round(off.perSec, 0),
        receiver_on_per_s: round(on.perSec, 0),
        receiver_ratio: throughputRatio,
        receiver_off_cpu_ms: round(off.cpu[0] ?? Number.NaN, 3),
        receiver_on_cpu_ms: round(on.cpu[0] ?? Number.NaN, 3),
        failures: off.failures + on.failures,
        sequential_runs: sizes.sequential,
        latency_off_p50_ms: latency.off.p50,
        latency_on_p50_ms: latency.on.p50,
        latency_off_p99_ms: latency.off.p99,
        latency_on_p99_ms: latency.on.p99,
        latency_p50_ratio: p50Ratio,
        latency_p99_ratio: p99Ratio,
        worker_off_cpu_ms_per_run: workerCpuMs.off,
        worker_on_cpu_ms_per_run: workerCpuMs.on,
        receiver_span_cost_us: spanUs,
        exported_requests: exported.requests,
        exported_bytes: exported.bytes,
      };
      const ms = (v: number) => `${round(v, 1)} ms`;
      const rows: Row[] = [
        {
          part: 'tracing',
          figure: `receiver v1a verified/s, tracing on (c=${sizes.concurrency})`,
          value: `${figures.receiver_on_per_s}/s (${throughputRatio}x)`,
          baseline: `tracing off ${figures.receiver_off_per_s}/s`,
          target: '>= 0.9x',
          verdict: verdict(throughputRatio >= 0.9),
        },
        {
          part: 'tracing',
          figure: 'receiver CPU per delivery, tracing on / off',
          value: `${figures.receiver_on_cpu_ms} / ${figures.receiver_off_cpu_ms} ms`,
        },
        {
          part: 'tracing',
          figure: 'receiver work tracing adds per delivery (spans, header, export; in process)',
          value: `${spanUs} us`,
          baseline: 'v1a verify + parse: see the receiver part',
        },
        {
          part: 'tracing',
          figure: `event->resume p50, tracing on (sequential, n=${sizes.sequential})`,
          value: `${ms(latency.on.p50)} (${p50Ratio}x)`,
          baseline: `tracing off ${ms(latency.off.p50)}`,
          target: '<= 1.1x',
          verdict: verdict(p50Ratio <= 1.1),
        },
        {
          part: 'tracing',
          figure: 'event->resume p99, tracing on',
          value: `${ms(latency.on.p99)} (${p99Ratio}x)`,
          baseline: `tracing off ${ms(latency.off.p99)}`,
          target: '<= 1.1x',
          verdict: verdict(p99Ratio <= 1.1),
        },
        {
          part: 'tracing',
          figure: 'worker CPU per run resumed, tracing on / off',
          value: `${workerCpuMs.on} / ${workerCpuMs.off} ms`,
        },
        {
          part: 'tracing',
          figure: 'spans exported by the traced side (OTLP requests / bytes)',
          value: `${exported.requests} / ${exported.bytes}`,
        },
      ];
      return { key: 'tracing', figures, rows };
    } finally {
      for (const w of workers) await w.stop();
    }
  } finally {
    agent.destroy();
    await traced.child.stop();
    await sink.stop();
    for (const r of runs) await r.handle.terminate('benchmark over').catch(() => undefined);
  }
}
