import { NativeConnection } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import * as activities from '../activities';
import { ensureRegisteredWebhook } from '../activities/webhook-setup';
import { connectOrStartDevServer, type DevServer, freePort } from '../common/dev-server';
import { SetupError } from '../common/errors';
import { logger } from '../common/logger';
import { temporalSettings } from '../common/temporal-connection';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../emulator';
import { googleJwksUrl } from '../receiver/config';
import { type RunningReceiver, startReceiver } from '../receiver/server';
import { createWorker } from '../worker/create-worker';
import { installRuntime } from '../worker/runtime';

export interface LocalStackOptions {
  /** SQLite file of the dev server (when no TEMPORAL_ADDRESS is given). */
  dbFilename: string;
  ui?: boolean;
  /** 0 = free ports; the long-running stack uses the documented defaults. */
  temporalPort?: number;
  emulatorPort?: number;
  receiverPort?: number;
  emulator?: EmulatorOptions;
  /** Level of the receiver's per-delivery logs (default: LOG_LEVEL). */
  receiverLogLevel?: string;
}

export interface LocalStack {
  temporal: DevServer;
  client: Client;
  taskQueue: string;
  /** Absent when GEMINI_API_KEY points the activities at the real Gemini API. */
  emulator?: RunningEmulator;
  receiver: RunningReceiver;
  stop(): Promise<void>;
}

/**
 * Temporal (started or reused), the Gemini emulator (unless a real API key is set), the receiver and a worker, wired
 * the way production is: jobs carry the receiver's URL, webhooks are verified, and workflows are signaled.
 */
export async function startLocalStack(opts: LocalStackOptions): Promise<LocalStack> {
  const config = temporalSettings();
  // Each part registers how to stop it, so a stack that fails half-way leaves no server or port behind.
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err) => logger.error({ err }, 'stopping the stack'));
  };
  try {
    const temporal = await connectOrStartDevServer({
      dbFilename: opts.dbFilename,
      ui: opts.ui,
      port: opts.temporalPort || undefined,
    });
    stops.push(() => temporal.stop());

    const useEmulator = !process.env.GEMINI_API_KEY || !!process.env.GEMINI_EMULATOR_URL;
    const emulator = useEmulator ? await startEmulator({ ...opts.emulator, port: opts.emulatorPort ?? 0 }) : undefined;
    if (emulator) stops.push(() => emulator.stop());
    // The in-process worker's activities read these on each call.
    if (emulator) process.env.GEMINI_EMULATOR_URL = emulator.baseUrl;

    // The receiver's URL must exist before the webhook is registered, and the signing secret only exists after.
    const receiverPort = opts.receiverPort || (await freePort());
    const receiverUrl = `http://127.0.0.1:${receiverPort}/webhooks/gemini`;
    process.env.GEMINIFLOW_WEBHOOK_URL ??= receiverUrl;
    const secrets = (process.env.GEMINI_WEBHOOK_SECRETS ?? '').split(/[\s,]+/).filter(Boolean);
    if (emulator) {
      const webhook = await ensureRegisteredWebhook(receiverUrl);
      if (webhook.newSigningSecret) secrets.push(webhook.newSigningSecret);
    }
    const receiver = await startReceiver({
      port: receiverPort,
      secrets,
      jwksUrl: emulator?.jwksUrl ?? process.env.GEMINI_JWKS_URL ?? googleJwksUrl,
      temporal: { address: temporal.address, namespace: temporal.namespace, taskQueue: config.taskQueue },
      logger: opts.receiverLogLevel ? logger.child({}, { level: opts.receiverLogLevel }) : logger,
    });
    stops.push(() => receiver.stop());

    installRuntime();
    const nativeConnection = await NativeConnection.connect({ address: temporal.address });
    stops.push(() => nativeConnection.close());
    const worker = await createWorker({
      connection: nativeConnection,
      namespace: temporal.namespace,
      taskQueue: config.taskQueue,
      activities,
    });
    const running = worker.run();
    stops.push(async () => {
      // The SDK's runtime already drains the worker on SIGINT/SIGTERM.
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    });
    const connection = await Connection.connect({ address: temporal.address });
    stops.push(() => connection.close());

    return {
      temporal,
      client: new Client({ connection, namespace: temporal.namespace }),
      taskQueue: config.taskQueue,
      emulator,
      receiver,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    const { code, port } = err as { code?: string; port?: number };
    if (code === 'EADDRINUSE') {
      throw new SetupError(`port ${port} is in use (another stack running?); stop it or set RECEIVER_PORT / GEMINI_EMULATOR_PORT.`);
    }
    throw err;
  }
}
