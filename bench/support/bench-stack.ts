import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Child, spawnTs, workerEntry } from './processes';
import { type Signer, startSigner } from './signing';
import {
  bundleWorkflows,
  Client,
  Connection,
  type ConnectionOptions,
  type DevServer,
  type EmulatorOptions,
  entryPoints,
  freePort,
  parseRoutingKeys,
  type RoutingKey,
  type RunningEmulator,
  startDevServer,
  startEmulator,
  workflowsPath,
} from './stack';
import type { WorkerTuning } from './worker-process';

/**
 * Everything a benchmark part runs against, as deployed: a Temporal dev server on its own db file, the emulator (in
 * this process, so its counters and faults are at hand), and the receiver and workers as separate processes, so their
 * CPU and memory are their own.
 */
export interface BenchStack {
  dir: string;
  dbFile: string;
  temporal: DevServer;
  client: Client;
  emulator: RunningEmulator;
  /** The v1 secret the receiver accepts (the bench signs registered-webhook deliveries itself). */
  secret: string;
  /** Signs deliveries as Gemini would; the receiver trusts its key and the emulator's. */
  signer: Signer;
  /** The routing key worker and receiver share: deliveries the bench makes carry tokens, as real jobs' do. */
  routingKey: RoutingKey;
  receiver: Child;
  receiverUrl: string;
  /** Starts a worker process on `taskQueue` with `tuning`; `webhooks: false` leaves jobs without a webhook URL. */
  startWorker(opts: {
    taskQueue: string;
    tuning?: WorkerTuning;
    webhooks?: boolean;
    env?: Record<string, string>;
  }): Promise<Child>;
  /** Restarts the receiver on the same port (after a kill). */
  startReceiver(): Promise<Child>;
  /** A second receiver process beside the first, on a port of its own, with `env` added (e.g. tracing settings). */
  startOtherReceiver(env: Record<string, string>): Promise<{ child: Child; url: string }>;
  /** Restarts the dev server on the same port and db file (after a kill). */
  restartTemporal(): Promise<void>;
  stop(): Promise<void>;
}

let bundled: Promise<string> | undefined;

/** The workflow bundle, built once per process (webpack takes seconds) and removed when the process exits. */
export function workflowBundle(): Promise<string> {
  bundled ??= (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'geminiflow-bench-bundle-'));
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    return bundleWorkflows(path.join(dir, 'workflows.js'), workflowsPath);
  })();
  return bundled;
}

export async function startBenchStack(
  opts: {
    emulator?: EmulatorOptions;
    receiverNodeArgs?: string[];
    receiverEnv?: Record<string, string>;
    /** An existing Temporal server (a cluster) instead of a dev server of the stack's own; never stopped here. */
    temporal?: { address: string; namespace: string; connectionOptions?: ConnectionOptions };
  } = {},
): Promise<BenchStack> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'geminiflow-bench-'));
  const dbFile = path.join(dir, 'temporal.db');
  const temporalPort = await freePort();
  const children: Child[] = [];
  const existing = opts.temporal && { ...opts.temporal, owned: false, stop: async () => {}, kill: async () => {} };
  let temporal: DevServer = existing ?? (await startDevServer({ dbFilename: dbFile, port: temporalPort }));
  let connection: Connection | undefined;
  let emulator: RunningEmulator | undefined;
  let signer: Signer | undefined;
  try {
    connection = await Connection.connect({ ...opts.temporal?.connectionOptions, address: temporal.address });
    const client = new Client({ connection, namespace: temporal.namespace });
    const bundle = await workflowBundle();
    emulator = await startEmulator({ timeScale: 1, webhookTimestampClock: 'real', ...opts.emulator, port: 0 });
    const emu = emulator;
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    signer = await startSigner(secret, emu.jwksUrl);
    const jwksUrl = signer.jwksUrl;
    const receiverPort = await freePort();
    const receiverUrl = `http://127.0.0.1:${receiverPort}/webhooks/gemini`;
    const receiverTaskQueue = `bench-receiver-${randomUUID()}`;
    // Worker and receiver share a routing key, as deployed: per-request events route by their signed user_metadata.
    const routingKeys = `bench:${randomBytes(32).toString('base64')}`;
    const [routingKey] = parseRoutingKeys(routingKeys);
    const common = {
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: temporal.namespace,
      LOG_LEVEL: 'warn',
      GEMINIFLOW_ROUTING_KEYS: routingKeys,
    };

    const spawnReceiver = async (port: number, env: Record<string, string> = {}) => {
      const child = await spawnTs({
        name: 'receiver',
        entry: entryPoints.receiver,
        nodeArgs: opts.receiverNodeArgs,
        ready: /receiver listening/,
        env: {
          ...common,
          // As deployed: every delivery is logged at info (the output is discarded, the formatting and write are paid).
          LOG_LEVEL: 'info',
          RECEIVER_HOST: '127.0.0.1',
          RECEIVER_PORT: String(port),
          // Any free port: the default 8788 may be taken by another stack on a shared machine.
          RECEIVER_OPS_PORT: '0',
          GEMINI_WEBHOOK_SECRETS: secret,
          GEMINI_JWKS_URL: jwksUrl,
          TEMPORAL_TASK_QUEUE: receiverTaskQueue,
          ...opts.receiverEnv,
          ...env,
        },
      });
      children.push(child);
      return child;
    };
    const startReceiver = async () => {
      const child = await spawnReceiver(receiverPort);
      stack.receiver = child;
      return child;
    };

    const stack: BenchStack = {
      dir,
      dbFile,
      temporal,
      client,
      emulator: emu,
      secret,
      signer,
      routingKey: routingKey!,
      receiver: undefined as unknown as Child,
      receiverUrl,
      startReceiver,
      async startOtherReceiver(env) {
        const port = await freePort();
        return { child: await spawnReceiver(port, env), url: `http://127.0.0.1:${port}/webhooks/gemini` };
      },
      async startWorker({ taskQueue, tuning = {}, webhooks = true, env = {} }) {
        const child = await spawnTs({
          name: `worker ${taskQueue}`,
          entry: workerEntry,
          ready: /worker running/,
          env: {
            ...common,
            TEMPORAL_TASK_QUEUE: taskQueue,
            BENCH_WORKER_OPTIONS: JSON.stringify(tuning),
            BENCH_WORKFLOW_BUNDLE: bundle,
            GEMINI_EMULATOR_URL: emu.baseUrl,
            GEMINI_API_KEY: undefined,
            GEMINIFLOW_WEBHOOK_URL: webhooks ? receiverUrl : undefined,
            GEMINIFLOW_PUBLISH_DIR: path.join(dir, 'published'),
            GEMINIFLOW_OUTPUT_DIR: path.join(dir, 'output'),
            ...env,
          },
        });
        children.push(child);
        return child;
      },
      async restartTemporal() {
        if (existing) throw new Error('the bench stack did not start this Temporal server, so it does not restart it');
        temporal = await startDevServer({ dbFilename: dbFile, port: temporalPort });
        stack.temporal = temporal;
      },
      async stop() {
        for (const child of children.reverse()) await child.stop();
        await connection?.close();
        await signer!.stop();
        await emu.stop();
        await stack.temporal.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
    await startReceiver();
    return stack;
  } catch (err) {
    for (const child of children) await child.kill();
    await connection?.close();
    await signer?.stop();
    await emulator?.stop();
    await temporal.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
