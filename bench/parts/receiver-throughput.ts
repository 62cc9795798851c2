/**
 * Part 3, receiver throughput and cost: verified deliveries per second through the receiver process (`v1` HMAC and
 * `v1a` Ed25519), next to raw `client.signal` to the same parked runs on the same server, with both TypeScript clients
 * (pure-JS gRPC and the Rust-core native connection the receiver itself uses), and the receiver's CPU per delivery
 * from /proc. Best of `rounds`, paths alternating; deliveries are signed before the clock starts (Gemini signs).
 */

import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { BenchStack } from '../support/bench-stack';
import { measure, type Phase, post } from '../support/load';
import { rawEvent, startParked } from '../support/parked';
import type { Signer } from '../support/signing';
import { Client, geminiEventSignal, NativeConnection, toGeminiEvent, WebhookVerifier } from '../support/stack';
import { type PartResult, type Row, round, verdict } from '../support/stats';

export interface ReceiverSizes {
  deliveries: number;
  concurrency: number[];
  rounds: number;
}

const targets = 16;

export async function receiverPart(stack: BenchStack, sizes: ReceiverSizes): Promise<PartResult> {
  const { signer } = stack;
  const taskQueue = `bench-receiver-${randomUUID()}`;
  // No worker: a signal (or a delivery) counts once the server holds it in the run's history.
  const { runs } = await startParkedWithoutWorker(stack, taskQueue);
  const native = await NativeConnection.connect({ address: stack.temporal.address });
  const nativeClient = new Client({ connection: native, namespace: stack.temporal.namespace });
  const agent = new http.Agent({ keepAlive: true, maxSockets: Math.max(...sizes.concurrency) });
  const url = new URL(stack.receiverUrl);
  // The receiver, the server, and this process (for raw signals: what client.signal costs its caller).
  const watched = [stack.receiver.pid, stack.temporal.pid, process.pid];
  const body = (i: number) =>
    JSON.stringify({
      type: 'interaction.completed',
      version: 'v1',
      timestamp: new Date().toISOString(),
      data: {
        id: runs[i % targets]!.resourceId,
        user_metadata: { temporal_workflow_id: runs[i % targets]!.workflowId },
      },
    });
  const raw = (client: Client) => (concurrency: number, n: number) =>
    measure(
      concurrency,
      n,
      async (i) => {
        try {
          await client.workflow
            .getHandle(runs[i % targets]!.workflowId)
            .signal(geminiEventSignal, rawEvent(runs[i % targets]!));
          return true;
        } catch (err) {
          return (err as Error).name;
        }
      },
      watched,
    );
  const viaReceiver = (scheme: 'v1' | 'v1a') => (concurrency: number, n: number) => {
    const signed = Array.from({ length: n }, (_, i) => signer.sign(scheme, body(i)));
    return measure(
      concurrency,
      n,
      async (i) => {
        const status = await post(agent, url, signed[i]!.headers, signed[i]!.body);
        return status === 200 || `HTTP ${status}`;
      },
      watched,
    );
  };
  const paths = {
    'raw grpc-js': raw(stack.client),
    'raw native': raw(nativeClient),
    'receiver v1': viaReceiver('v1'),
    'receiver v1a': viaReceiver('v1a'),
  };
  try {
    for (const run of Object.values(paths)) await run(16, 200); // warm-up: connections, caches, JIT
    const rows: Row[] = [];
    const figures: Record<string, unknown> = { deliveries_per_run: sizes.deliveries, rounds: sizes.rounds };
    const best = (phases: Phase[]) => phases.reduce((a, b) => (b.perSec > a.perSec ? b : a));
    for (const concurrency of sizes.concurrency) {
      const runsBy = Object.fromEntries(Object.keys(paths).map((k) => [k, [] as Phase[]]));
      for (let r = 0; r < sizes.rounds; r++) {
        for (const [name, run] of Object.entries(paths)) runsBy[name]!.push(await run(concurrency, sizes.deliveries));
      }
      const b = Object.fromEntries(Object.entries(runsBy).map(([k, v]) => [k, best(v)])) as Record<
        keyof typeof paths,
        Phase
      >;
      const rawBest = Math.max(b['raw grpc-js'].perSec, b['raw native'].perSec);
      const v1 = b['receiver v1'];
      const v1a = b['receiver v1a'];
      const level = {
        raw_signal_per_s: round(rawBest, 0),
        raw_grpc_js_per_s: round(b['raw grpc-js'].perSec, 0),
        raw_native_per_s: round(b['raw native'].perSec, 0),
        v1_per_s: round(v1.perSec, 0),
        v1a_per_s: round(v1a.perSec, 0),
        v1_ratio: round(v1.perSec / rawBest),
        v1a_ratio: round(v1a.perSec / rawBest),
        v1_receiver_cpu_ms: round(v1.cpu[0] ?? NaN, 3),
        v1a_receiver_cpu_ms: round(v1a.cpu[0] ?? NaN, 3),
        raw_native_client_cpu_ms: round(b['raw native'].cpu[2] ?? NaN, 3),
        temporal_cpu_ms_per_signal: round(b['raw native'].cpu[1] ?? NaN, 3),
        v1_p50_ms: round(v1.p50, 1),
        raw_native_p50_ms: round(b['raw native'].p50, 1),
        failures: v1.failures + v1a.failures,
        failed_by: Object.fromEntries([...v1.failedBy, ...v1a.failedBy]),
      };
      figures[`concurrency_${concurrency}`] = level;
      rows.push(
        {
          part: 'receiver',
          figure: `v1 verified/s at concurrency ${concurrency}`,
          value: `${level.v1_per_s}/s (${level.v1_ratio}x)`,
          baseline: `raw signal ${level.raw_signal_per_s}/s`,
          target: '>= 0.9x',
          verdict: verdict(level.v1_ratio >= 0.9),
        },
        {
          part: 'receiver',
          figure: `v1a verified/s at concurrency ${concurrency}`,
          value: `${level.v1a_per_s}/s (${level.v1a_ratio}x)`,
          baseline: `raw signal ${level.raw_signal_per_s}/s`,
          target: '>= 0.9x',
          verdict: verdict(level.v1a_ratio >= 0.9),
        },
        {
          part: 'receiver',
          figure: `receiver CPU per delivery v1 / v1a (c=${concurrency})`,
          value: `${level.v1_receiver_cpu_ms} / ${level.v1a_receiver_cpu_ms} ms`,
          baseline: `raw client.signal alone ${level.raw_native_client_cpu_ms} ms`,
          target: '<= 0.5 / 0.8 ms',
          verdict: verdict(level.v1_receiver_cpu_ms <= 0.5 && level.v1a_receiver_cpu_ms <= 0.8),
        },
      );
    }
    // The headline figures (results.json keys the checks read) are those of the first, lower concurrency.
    const head = figures[`concurrency_${sizes.concurrency[0]}`] as Record<string, number>;
    Object.assign(figures, {
      verified_per_s: head.v1_per_s,
      verified_v1a_per_s: head.v1a_per_s,
      raw_signal_per_s: head.raw_signal_per_s,
      ratio: head.v1_ratio,
      ratio_v1a: head.v1a_ratio,
      cpu_ms_per_delivery: head.v1_receiver_cpu_ms,
      cpu_ms_per_delivery_v1a: head.v1a_receiver_cpu_ms,
      raw_client_cpu_ms_per_signal: head.raw_native_client_cpu_ms,
    });
    const inProcess = await verifyAndParseUs(stack.secret, signer);
    figures.verify_parse_us = inProcess;
    rows.push({
      part: 'receiver',
      figure: 'verify + parse in process (v1 / v1a)',
      value: `${inProcess.v1} / ${inProcess.v1a} us`,
    });
    return { key: 'receiver', figures, rows };
  } finally {
    agent.destroy();
    await native.close();
    for (const r of runs) await r.handle.terminate('benchmark over').catch(() => undefined);
  }
}

/** Parked runs need a first workflow task to be parked: a short-lived worker runs it, then leaves. */
async function startParkedWithoutWorker(stack: BenchStack, taskQueue: string) {
  const worker = await stack.startWorker({ taskQueue });
  try {
    return await startParked(stack, taskQueue, targets, 'receiver');
  } finally {
    await worker.stop();
  }
}

/** The receiver's own work per delivery (headers, signature, JSON, envelope) without HTTP or Temporal, in us. */
async function verifyAndParseUs(secret: string, signer: Signer): Promise<{ v1: number; v1a: number }> {
  const verifier = new WebhookVerifier({ secrets: [secret], jwksUrl: signer.jwksUrl });
  const time = async (scheme: 'v1' | 'v1a') => {
    const sample = Array.from({ length: 3000 }, (_, i) =>
      signer.sign(
        scheme,
        JSON.stringify({
          type: 'interaction.completed',
          version: 'v1',
          timestamp: new Date().toISOString(),
          data: { id: `v1_x${i}` },
        }),
      ),
    );
    const started = performance.now();
    for (const { headers, body } of sample) {
      const verified = await verifier.verify(Buffer.from(body), headers);
      if (!verified.ok || toGeminiEvent(verified.webhookId, verified.envelope).kind !== 'event') {
        throw new Error(`a ${scheme} benchmark delivery did not verify`);
      }
    }
    return round(((performance.now() - started) * 1000) / sample.length, 1);
  };
  await time('v1a'); // warm-up: the JWKS fetch
  return { v1: await time('v1'), v1a: await time('v1a') };
}
