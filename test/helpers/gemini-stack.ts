import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import * as activities from '../../activities';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../../emulator';
import { type RunningReceiver, startReceiver } from '../../receiver/server';
import {
  type RunningWorker,
  startWorker,
  testNamespace,
  testServerAddress,
  testTmpDir,
  uniqueTaskQueue,
} from './temporal';

/**
 * The whole event path of a test: the emulator (driven by the real SDK in the activities), the real receiver verifying
 * its signed deliveries, and a worker. Events flow emulator -> receiver -> workflow, as in production.
 */
export interface GeminiStack {
  emulator: RunningEmulator;
  receiver: RunningReceiver;
  worker: RunningWorker;
  taskQueue: string;
  /** Scratch folder of this stack; `publish` writes to `publishDir` inside it. */
  dir: string;
  publishDir: string;
  /** What a separate worker process needs to join this stack (see spawnWorkerProcess). */
  workerEnv: Record<string, string>;
  stop(): Promise<void>;
}

export async function startGeminiStack(
  opts: { emulator?: EmulatorOptions; temporalAddress?: string } = {},
): Promise<GeminiStack> {
  const address = opts.temporalAddress ?? testServerAddress();
  const taskQueue = uniqueTaskQueue('stack');
  const dir = testTmpDir();
  const publishDir = path.join(dir, 'published');
  fs.mkdirSync(publishDir, { recursive: true });
  const emulator = await startEmulator({ timeScale: 1, ...opts.emulator });
  const receiver = await startReceiver({
    port: 0,
    secrets: [],
    jwksUrl: emulator.jwksUrl,
    temporal: { address, namespace: testNamespace(), taskQueue },
    logger: pino({ level: 'warn' }),
  });
  const workerEnv = {
    GEMINI_EMULATOR_URL: emulator.baseUrl,
    GEMINIFLOW_WEBHOOK_URL: receiver.url,
    GEMINIFLOW_PUBLISH_DIR: publishDir,
    TEMPORAL_TASK_QUEUE: taskQueue,
  };
  // The in-process worker's activities read these at call time.
  Object.assign(process.env, workerEnv);
  const worker = await startWorker({ activities, taskQueue, address });
  return {
    emulator,
    receiver,
    worker,
    taskQueue,
    dir,
    publishDir,
    workerEnv,
    async stop() {
      await worker.stop();
      await receiver.stop();
      await emulator.stop();
    },
  };
}
