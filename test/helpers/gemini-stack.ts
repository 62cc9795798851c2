import fs from 'node:fs';
import path from 'node:path';
import { GoogleGenAI } from '@google/genai';
import type { Client } from '@temporalio/client';
import * as activities from '../../activities';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../../emulator';
import { type RunningReceiver, startReceiver } from '../../receiver/server';
import { testLogger } from '../receiver-support';
import {
  connectClient,
  type RunningWorker,
  startWorker,
  testNamespace,
  testServerAddress,
  testTmpDir,
  uniqueTaskQueue,
} from './temporal';

/**
 * The whole event path of a test: the emulator (driven by the real SDK in the activities), the real receiver verifying
 * its signed deliveries, and a worker with the real activities. Events flow emulator -> receiver -> Temporal ->
 * workflow, as in production.
 */
export interface GeminiStack {
  emulator: RunningEmulator;
  receiver: RunningReceiver;
  client: Client;
  taskQueue: string;
  /** An SDK client on the emulator, for looking at jobs from outside. */
  ai: GoogleGenAI;
  /** Scratch folder of this stack; `publish` writes to `publishDir` inside it. */
  dir: string;
  publishDir: string;
  /** What a separate worker process needs to join this stack (see spawnWorkerProcess). */
  workerEnv: Record<string, string>;
  /** The in-process worker, once started. */
  worker?: RunningWorker;
  startWorker(): Promise<RunningWorker>;
  stop(): Promise<void>;
}

/** Starts the stack on `address` (default: the test run's server), with an in-process worker unless `worker: false`. */
export async function startGeminiStack(
  opts: { emulator?: EmulatorOptions; address?: string; worker?: boolean } = {},
): Promise<GeminiStack> {
  const address = opts.address ?? testServerAddress();
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
    logger: testLogger,
  });
  const geminiEnv = {
    GEMINI_EMULATOR_URL: emulator.baseUrl,
    GEMINIFLOW_WEBHOOK_URL: receiver.url,
    GEMINIFLOW_PUBLISH_DIR: publishDir,
    GEMINIFLOW_OUTPUT_DIR: path.join(dir, 'output'),
  };
  // The in-process worker's activities read these at call time (Temporal's settings stay the test run's).
  delete process.env.GEMINI_API_KEY;
  Object.assign(process.env, geminiEnv);
  const workerEnv = { ...geminiEnv, TEMPORAL_ADDRESS: address, TEMPORAL_TASK_QUEUE: taskQueue };
  const { client, close } = await connectClient(address);
  const stack: GeminiStack = {
    emulator,
    receiver,
    client,
    taskQueue,
    ai: new GoogleGenAI({ apiKey: 'test-key', httpOptions: { baseUrl: emulator.baseUrl } }),
    dir,
    publishDir,
    workerEnv,
    async startWorker() {
      stack.worker = await startWorker({ address, taskQueue, activities });
      return stack.worker;
    },
    async stop() {
      await stack.worker?.stop();
      await receiver.stop();
      await emulator.stop();
      await close();
    },
  };
  if (opts.worker !== false) await stack.startWorker();
  return stack;
}
