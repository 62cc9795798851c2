import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { GoogleGenAI } from '@google/genai';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import { emulatorApiKey, type GeminiflowConfig, geminiflowConfigFromEnv } from '../activities/config';
import { geminiClientFor } from '../activities/gemini-client';
import type { ApprovalNotifyOptions } from '../activities/notify-config';
import type { Toolset } from '../activities/tools';
import { SetupError } from '../common/errors';
import { logger as rootLogger } from '../common/logger';
import { stopOnShutdownSignal } from '../common/shutdown';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../emulator';
import { type ReceiverOptions, type RunningReceiver, startReceiver } from '../receiver';
import { parseRoutingKeys } from '../routing/token';
import { installRuntime } from '../temporal/runtime';
import { ensureSearchAttributes } from '../temporal/search-attributes';
import { tracingClientInterceptors } from '../tracing/temporal';
import { GeminiflowPlugin } from '../worker/plugin';
import { ensureRegisteredWebhook } from '../worker/webhook-setup';
import { connectOrStartDevServer, type DevServer, freePort, waitForTemporal } from './dev-server';

export interface LocalWorkerOptions {
  /** Your workflows module; geminiflow's workflows are added to it. */
  workflowsPath?: string;
  /** A bundle made by bundleWorkflows (faster start: no webpack run). */
  workflowBundlePath?: string;
  tools?: readonly Toolset[];
  /** Override parts of the stack's Gemini configuration (e.g. the output folder, notifications). */
  config?: Partial<GeminiflowConfig>;
  /** Default: the stack's task queue. Another one gives this worker runs of its own. */
  taskQueue?: string;
  /** Notifications about calls waiting for a person (GeminiflowPlugin's `notify`). */
  notify?: ApprovalNotifyOptions;
}

export interface LocalStackOptions {
  /** An existing server, or a dev server on a db file (default: TEMPORAL_ADDRESS, else a dev server in a temp dir). */
  temporal?:
    | { address: string; namespace?: string }
    | { dbFilename: string; ui?: boolean; port?: number; uiPort?: number };
  /** Default: TEMPORAL_TASK_QUEUE or 'geminiflow'. */
  taskQueue?: string;
  /** Options of the Gemini emulator; `false`: the real API (GEMINI_API_KEY). */
  emulator?: EmulatorOptions | false;
  /** Receiver settings beyond those the stack wires (Temporal, JWKS, secrets). */
  receiver?: Partial<Omit<ReceiverOptions, 'temporal'>>;
  /** How jobs reach the receiver: per-request `webhook_config.uris` (default), a registered webhook, or both. */
  webhooks?: 'per-request' | 'registered' | 'both';
  /** The in-process worker; `false`: none (start one with `startWorker`). */
  worker?: LocalWorkerOptions | false;
  logger?: Logger;
}

export interface LocalStack {
  temporal: DevServer;
  client: Client;
  taskQueue: string;
  /** Absent when the stack runs against the real Gemini API. */
  emulator?: RunningEmulator;
  receiver: RunningReceiver;
  /** The configuration the stack's workers use (also for worker processes: see `workerEnv`). */
  config: GeminiflowConfig;
  /** An SDK client on the same Gemini API, for looking at jobs from outside. */
  ai: GoogleGenAI;
  /** What a separate worker process needs to join this stack. */
  workerEnv: Record<string, string>;
  /** Starts (another) in-process worker on the stack's task queue. */
  startWorker(options?: LocalWorkerOptions): Promise<Worker>;
  /** Stops every part, the last started first; also done on the process's first SIGINT or SIGTERM. */
  stop(): Promise<void>;
}

/**
 * Temporal (started or reused), the Gemini emulator, the receiver and a worker with GeminiflowPlugin, wired the way
 * production is: jobs carry the receiver's URL, webhooks are verified, and workflows are signaled. Every part
 * registers how to stop it, so a stack that fails half-way leaves no server or port behind.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const logger = options.logger ?? rootLogger;
  const stops: (() => Promise<void>)[] = [];
  let stopping: Promise<void> | undefined;
  // One signal stops the stack as a whole, in order (the worker before the receiver and the server it needs).
  const stopAll = () =>
    (stopping ??= (async () => {
      release();
      for (const stop of stops.splice(0).reverse()) {
        await stop().catch((err) => logger.error({ err }, 'stopping the local stack'));
      }
    })());
  const release = stopOnShutdownSignal(stopAll);
  try {
    const temporal = await startTemporal(options.temporal);
    stops.push(() => temporal.stop());
    const taskQueue = options.taskQueue ?? process.env.TEMPORAL_TASK_QUEUE ?? 'geminiflow';

    const emulator =
      options.emulator === false ? undefined : await startEmulator({ ...options.emulator, stopOnSignal: false });
    if (emulator) stops.push(() => emulator.stop());
    const fromEnv = emulator ? undefined : geminiflowConfigFromEnv();
    const gemini = emulator
      ? { target: 'emulator' as const, apiKey: emulatorApiKey, baseUrl: emulator.baseUrl }
      : fromEnv!.gemini;
    const ai = geminiClientFor(gemini);

    // The receiver's URL must exist before a webhook is registered, and the signing secret only exists after.
    const receiverPort = options.receiver?.port || (await freePort());
    const receiverPath = options.receiver?.path ?? '/webhooks/gemini';
    const receiverUrl = `http://127.0.0.1:${receiverPort}${receiverPath}`;
    const webhooks = options.webhooks ?? 'per-request';
    const secrets = [...(options.receiver?.secrets ?? [])];
    if (webhooks !== 'per-request') {
      const webhook = await ensureRegisteredWebhook(ai, receiverUrl);
      if (webhook.newSigningSecret) secrets.push(webhook.newSigningSecret);
    }
    // One routing key for the stack's worker (it mints) and receiver (it checks), unless the environment has them.
    const routingKeys = process.env.GEMINIFLOW_ROUTING_KEYS
      ? parseRoutingKeys(process.env.GEMINIFLOW_ROUTING_KEYS)
      : [{ id: 'local', secret: randomBytes(32) }];
    const receiver = await startReceiver({
      jwksUrl: emulator?.jwksUrl ?? process.env.GEMINI_JWKS_URL,
      logger,
      routingKeys,
      ...options.receiver,
      port: receiverPort,
      path: receiverPath,
      secrets,
      temporal: { address: temporal.address, namespace: temporal.namespace, taskQueue },
      stopOnSignal: false,
    });
    stops.push(() => receiver.stop());

    const config: GeminiflowConfig = {
      gemini,
      webhookUrl: webhooks === 'registered' ? undefined : receiver.url,
      outputDir: fromEnv?.outputDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'geminiflow-output-')),
      routingKey: routingKeys[0],
    };
    const connection = await Connection.connect({ address: temporal.address });
    stops.push(() => connection.close());
    const interceptors = tracingClientInterceptors('client');
    const client = new Client({ connection, namespace: temporal.namespace, ...(interceptors ? { interceptors } : {}) });

    const startWorker = async (worker: LocalWorkerOptions = {}): Promise<Worker> => {
      installRuntime();
      const native = await NativeConnection.connect({ address: temporal.address });
      const created = await Worker.create({
        connection: native,
        namespace: temporal.namespace,
        taskQueue: worker.taskQueue ?? taskQueue,
        ...(worker.workflowBundlePath
          ? { workflowBundle: { codePath: worker.workflowBundlePath } }
          : { workflowsPath: worker.workflowsPath }),
        plugins: [
          new GeminiflowPlugin({ config: { ...config, ...worker.config }, tools: worker.tools, notify: worker.notify }),
        ],
      });
      const running = created.run();
      stops.push(async () => {
        if (created.getState() === 'RUNNING') created.shutdown();
        await running;
        await native.close();
      });
      return created;
    };
    if (options.worker !== false) await startWorker(options.worker ?? {});

    return {
      temporal,
      client,
      taskQueue,
      emulator,
      receiver,
      config,
      ai,
      workerEnv: {
        ...(emulator ? { GEMINI_EMULATOR_URL: emulator.baseUrl } : {}),
        ...(config.webhookUrl ? { GEMINIFLOW_WEBHOOK_URL: config.webhookUrl } : {}),
        GEMINIFLOW_OUTPUT_DIR: config.outputDir,
        GEMINIFLOW_ROUTING_KEYS: routingKeys.map((k) => `${k.id}:${k.secret.toString('base64')}`).join(','),
        TEMPORAL_ADDRESS: temporal.address,
        TEMPORAL_NAMESPACE: temporal.namespace,
        TEMPORAL_TASK_QUEUE: taskQueue,
      },
      startWorker,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    const { code, port } = err as { code?: string; port?: number };
    if (code === 'EADDRINUSE') {
      throw new SetupError(`port ${port} is in use (another stack running?); stop it or choose other ports.`);
    }
    throw err;
  }
}

async function startTemporal(given: LocalStackOptions['temporal']): Promise<DevServer> {
  if (given && 'address' in given) {
    const namespace = given.namespace ?? 'default';
    await waitForTemporal({ address: given.address }, 15_000);
    await ensureSearchAttributes(
      { address: given.address, namespace, connectionOptions: { address: given.address } },
      {
        reachTimeoutMs: 0,
      },
    );
    return { address: given.address, namespace, owned: false, stop: async () => {}, kill: async () => {} };
  }
  const dbFilename =
    given?.dbFilename ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'geminiflow-temporal-')), 'temporal.db');
  return connectOrStartDevServer({ dbFilename, ui: given?.ui, port: given?.port, uiPort: given?.uiPort });
}
