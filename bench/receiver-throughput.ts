/**
 * Verified webhook deliveries per second through the receiver (a separate process, as deployed), next to the raw
 * `client.signal` rate against the same Temporal server and the same workflows, in the same run. Loopback only,
 * bounded in count and time.
 *
 * The raw rate is measured with both TypeScript clients: the pure-JS gRPC `Connection` and the Rust-core
 * `NativeConnection` the receiver itself uses. The receiver's share is taken against the faster of the two.
 * Each concurrency level is measured for every path, alternating, best of BENCH_ROUNDS: at low concurrency the figure
 * shows the receiver's added latency, at high concurrency all paths saturate the Temporal server.
 *
 *   npm run bench -- receiver-throughput   (BENCH_DELIVERIES, BENCH_CONCURRENCY=16,64, BENCH_ROUNDS to change the load)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { Webhook } from 'standardwebhooks';
import { connectOrStartDevServer, freePort } from '../common/dev-server';
import { runMain } from '../common/errors';
import { eventually } from '../common/eventually';
import { projectRoot } from '../common/paths';
import { toGeminiEvent } from '../routing/envelope';
import { WebhookVerifier } from '../receiver/verify';
import { type GeminiEvent, geminiEventSignal } from '../common/contract';
import { waitForGeminiJob } from '../workflows/wait-for-gemini-job';
import { installRuntime } from '../worker/runtime';

const deliveries = Number(process.env.BENCH_DELIVERIES ?? 1500);
const levels = (process.env.BENCH_CONCURRENCY ?? '16,64').split(',').map(Number);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const targets = 16;
const phaseLimitMs = 60_000;

/** CPU time (user + system, ms) a process has used so far, from /proc; undefined where there is no /proc. */
function cpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks at USER_HZ = 100
  } catch {
    return undefined;
  }
}

interface Phase {
  /** CPU ms per operation used by [this bench process, the receiver, the Temporal server]. */
  cpu?: (number | undefined)[];
  perSec: number;
  p50: number;
  p99: number;
  failures: number;
  /** Why operations failed, with counts (HTTP status, or the client's error). */
  failedBy: Map<string, number>;
}

/** The processes whose CPU time each phase reports: this bench, the receiver, the Temporal server. */
let watched: (number | undefined)[] = [];

/** Runs `n` operations with bounded concurrency, stopping early at the time limit. `op` says why it failed, if so. */
async function measure(concurrency: number, n: number, op: (i: number) => Promise<true | string>): Promise<Phase> {
  const cpuBefore = watched.map(cpuMs);
  const latencies: number[] = [];
  let next = 0;
  let ok = 0;
  let failures = 0;
  const failedBy = new Map<string, number>();
  const started = performance.now();
  const deadline = started + phaseLimitMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n && performance.now() < deadline) {
        const i = next++;
        const t = performance.now();
        const outcome = await op(i);
        if (outcome === true) ok++;
        else {
          failures++;
          failedBy.set(outcome, (failedBy.get(outcome) ?? 0) + 1);
        }
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  const done = ok + failures;
  const cpu = watched.map((pid, i) => {
    const [before, after] = [cpuBefore[i], cpuMs(pid)];
    return before === undefined || after === undefined || done === 0 ? undefined : (after - before) / done;
  });
  return { perSec: ok / seconds, p50: pct(0.5), p99: pct(0.99), failures, failedBy, cpu };
}

function post(agent: http.Agent, url: URL, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

function waitForHealth(url: string, child: ChildProcess): Promise<true> {
  return eventually(
    async () => {
      if (child.exitCode !== null) throw new Error('the receiver exited during start-up');
      return (await fetch(url).then((res) => res.ok, () => false)) || undefined;
    },
    'the receiver to become healthy',
  );
}

runMain(async () => {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'geminiflow-bench-receiver-'));
  const server = await connectOrStartDevServer({ dbFilename: path.join(workDir, 'temporal.db') });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: server.namespace });
  installRuntime();
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const nativeClient = new Client({ connection: nativeConnection, namespace: server.namespace });
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const port = await freePort();
  const taskQueue = `bench-receiver-${randomUUID()}`;
  const receiver = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'receiver', 'main.ts')], {
    cwd: projectRoot,
    env: {
      ...process.env,
      // As deployed: every delivery is logged (stdout is discarded, the formatting and the write are paid).
      LOG_LEVEL: 'info',
      RECEIVER_HOST: '127.0.0.1',
      RECEIVER_PORT: String(port),
      GEMINI_WEBHOOK_SECRETS: secret,
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: server.namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: Math.max(...levels) });
  try {
    await waitForHealth(`http://127.0.0.1:${port}/healthz`, receiver);
    watched = [process.pid, receiver.pid, server.pid];
    const url = new URL(`http://127.0.0.1:${port}/webhooks/gemini`);

    // Parked workflows that take the signals (no worker: a signal is accepted once it is in the history).
    const workflowIds = await Promise.all(
      Array.from({ length: targets }, async (_, i) => {
        const workflowId = `bench-receiver-${i}-${randomUUID()}`;
        await client.workflow.start(waitForGeminiJob, {
          taskQueue,
          workflowId,
          args: [{ kind: 'interaction', id: `interactions/never-${i}` }],
        });
        return workflowId;
      }),
    );
    const event = (i: number): GeminiEvent => ({
      webhookId: `msg_${randomUUID()}`,
      type: 'interaction.completed',
      resourceId: `interactions/bench-${i}`,
      timestamp: new Date().toISOString(),
      data: { id: `interactions/bench-${i}` },
      via: 'webhook',
    });
    // Gemini signs, not the receiver: deliveries are signed before the clock starts.
    const hook = new Webhook(secret);
    const signedBatch = (n: number) =>
      Array.from({ length: n }, (_, i) => {
        const id = `msg_${randomUUID()}`;
        const body = JSON.stringify({
          type: 'interaction.completed',
          version: 'v1',
          timestamp: new Date().toISOString(),
          data: { id: `interactions/bench-${i}`, user_metadata: { temporal_workflow_id: workflowIds[i % targets] } },
        });
        const ts = new Date();
        return {
          body,
          headers: {
            'webhook-id': id,
            'webhook-timestamp': String(Math.floor(ts.getTime() / 1000)),
            'webhook-signature': hook.sign(id, ts, body),
          },
        };
      });

    const raw = (signaller: Client) => async (concurrency: number, n: number) =>
      measure(concurrency, n, async (i) => {
        try {
          await signaller.workflow.getHandle(workflowIds[i % targets]).signal(geminiEventSignal, event(i));
          return true;
        } catch (err) {
          return (err as Error).name;
        }
      });
    const rawJs = raw(client);
    const rawNative = raw(nativeClient);
    const viaReceiver = async (concurrency: number, n: number) => {
      const batch = signedBatch(n);
      return measure(concurrency, n, async (i) => {
        const status = await post(agent, url, batch[i].headers, batch[i].body);
        return status === 200 || `HTTP ${status}`;
      });
    };

    // Warm-up: connections, server caches, JIT.
    await rawJs(16, 200);
    await rawNative(16, 200);
    await viaReceiver(16, 200);
    const best = (runs: Phase[]) => runs.reduce((a, b) => (b.perSec > a.perSec ? b : a));
    const ms = (v: number | undefined) => (v === undefined ? '  n/a' : v.toFixed(2).padStart(5));
    const fmt = (p: Phase) =>
      `${p.perSec.toFixed(0).padStart(6)} /s   p50 ${p.p50.toFixed(1).padStart(6)} ms   p99 ${p.p99.toFixed(1).padStart(6)} ms   ` +
      `failures ${p.failures}   ` +
      `CPU ms/op: bench ${ms(p.cpu?.[0])} receiver ${ms(p.cpu?.[1])} temporal ${ms(p.cpu?.[2])}` +
      (p.failures ? `   (${[...p.failedBy].map(([why, count]) => `${why} x${count}`).join(', ')})` : '');
    const temporalAt = server.owned ? 'dev server (started)' : `at ${server.address}`;
    process.stdout.write(
      `receiver throughput: ${deliveries} deliveries per run, best of ${rounds}, ${targets} target workflows, ` +
        `Temporal ${temporalAt}, ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(1)}\n`,
    );
    for (const concurrency of levels) {
      const [jsRuns, nativeRuns, receiverRuns]: Phase[][] = [[], [], []];
      for (let r = 0; r < rounds; r++) {
        jsRuns.push(await rawJs(concurrency, deliveries));
        nativeRuns.push(await rawNative(concurrency, deliveries));
        receiverRuns.push(await viaReceiver(concurrency, deliveries));
      }
      const [js, native, v] = [best(jsRuns), best(nativeRuns), best(receiverRuns)];
      const [fastest, fastestName] = native.perSec >= js.perSec ? [native, 'native'] : [js, 'grpc-js'];
      process.stdout.write(
        [
          `  concurrency ${concurrency}`,
          `    raw client.signal grpc-js ${fmt(js)}`,
          `    raw client.signal native  ${fmt(native)}`,
          `    verified via receiver     ${fmt(v)}`,
          `    receiver / raw (${fastestName})${' '.repeat(8 - fastestName.length)} ` +
            `${((100 * v.perSec) / fastest.perSec).toFixed(0)} %   (target >= 80 %)`,
          '',
        ].join('\n'),
      );
    }
    // The receiver's own CPU per delivery (headers, HMAC, JSON, envelope), without HTTP or Temporal.
    const verifier = new WebhookVerifier({ secrets: [secret] });
    const sample = signedBatch(5000);
    const cpuStarted = performance.now();
    for (const { headers, body } of sample) {
      const verified = await verifier.verify(Buffer.from(body), headers);
      if (!verified.ok || toGeminiEvent(verified.webhookId, verified.envelope).kind !== 'event') {
        throw new Error('a benchmark delivery did not verify');
      }
    }
    const usPerDelivery = ((performance.now() - cpuStarted) * 1000) / sample.length;
    process.stdout.write(`  verify + parse, in process   ${usPerDelivery.toFixed(1)} us per delivery (v1 HMAC)\n`);
    // The machine may be shared: a high load average means the figures above competed for the CPUs.
    process.stdout.write(`  load average at the end      ${os.loadavg()[0].toFixed(1)}\n`);
    for (const id of workflowIds) await client.workflow.getHandle(id).terminate('benchmark over');
  } finally {
    agent.destroy();
    receiver.kill('SIGTERM');
    await connection.close();
    await nativeConnection.close();
    await server.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  }
});
