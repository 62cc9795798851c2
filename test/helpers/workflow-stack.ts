import { GoogleGenAI } from '@google/genai';
import type { Client } from '@temporalio/client';
import * as activities from '../../activities';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../../emulator';
import { type RunningReceiver, startReceiver } from '../../receiver/server';
import {
  connectClient,
  type RunningWorker,
  startWorker,
  testNamespace,
  testServerAddress,
  testTmpDir,
  uniqueTaskQueue,
} from './temporal';

/** The whole path a job's events travel: emulator -> receiver -> Temporal -> worker (real activities). */
export interface WorkflowStack {
  emulator: RunningEmulator;
  receiver: RunningReceiver;
  client: Client;
  taskQueue: string;
  /** An SDK client on the emulator, for looking at jobs from outside. */
  ai: GoogleGenAI;
  /** What a spawned worker process needs to reach the same emulator and receiver. */
  workerEnv: Record<string, string>;
  worker?: RunningWorker;
  startWorker(): Promise<RunningWorker>;
  stop(): Promise<void>;
}

export async function startWorkflowStack(
  opts: { emulator?: EmulatorOptions; address?: string; worker?: boolean } = {},
): Promise<WorkflowStack> {
  const address = opts.address ?? testServerAddress();
  const taskQueue = uniqueTaskQueue('jobs');
  const emulator = await startEmulator(opts.emulator);
  const receiver = await startReceiver({
    port: 0,
    secrets: [],
    jwksUrl: emulator.jwksUrl,
    temporal: { address, namespace: testNamespace(), taskQueue },
  });
  const geminiEnv = {
    GEMINI_EMULATOR_URL: emulator.baseUrl,
    GEMINIFLOW_WEBHOOK_URL: receiver.url,
    GEMINIFLOW_OUTPUT_DIR: testTmpDir(),
  };
  // In-process activities read the same settings (Temporal's stay the test run's).
  delete process.env.GEMINI_API_KEY;
  Object.assign(process.env, geminiEnv);
  const workerEnv = { ...geminiEnv, TEMPORAL_ADDRESS: address, TEMPORAL_TASK_QUEUE: taskQueue };
  const { client, close } = await connectClient(address);
  const stack: WorkflowStack = {
    emulator,
    receiver,
    client,
    taskQueue,
    ai: new GoogleGenAI({ apiKey: 'test-key', httpOptions: { baseUrl: emulator.baseUrl } }),
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
