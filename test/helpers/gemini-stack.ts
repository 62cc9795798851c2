import fs from 'node:fs';
import path from 'node:path';
import type { EmulatorOptions } from '../../emulator';
import { exampleTools } from '../../example/tool-implementations';
import { type LocalStack, type LocalWorkerOptions, startLocalStack } from '../../testing';
import { testLogger } from './receiver';
import { testNamespace, testServerAddress, testTmpDir, testWorkflows, uniqueTaskQueue } from './temporal';

/**
 * The whole event path of a test, built by the same stack builder as `npm run stack` and the demo: the emulator
 * (driven by the real SDK in the activities), the real receiver verifying its signed deliveries, and a worker with
 * GeminiflowPlugin. Events flow emulator -> receiver -> Temporal -> workflow, as in production.
 */
export interface GeminiStack extends LocalStack {
  emulator: NonNullable<LocalStack['emulator']>;
  /** Scratch folder of this stack; `publish` writes to `publishDir` inside it. */
  dir: string;
  publishDir: string;
  /** Worker options of this stack (example workflows and tools), for starting more workers. */
  workerOptions: LocalWorkerOptions;
}

/** Starts the stack on `address` (default: the test run's server), with an in-process worker unless `worker: false`. */
export async function startGeminiStack(
  opts: { emulator?: EmulatorOptions; address?: string; worker?: boolean } = {},
): Promise<GeminiStack> {
  const dir = testTmpDir();
  const publishDir = path.join(dir, 'published');
  fs.mkdirSync(publishDir, { recursive: true });
  const workflows = testWorkflows();
  const workerOptions: LocalWorkerOptions = {
    ...('workflowBundle' in workflows
      ? { workflowBundlePath: workflows.workflowBundle.codePath }
      : { workflowsPath: workflows.workflowsPath }),
    tools: [exampleTools({ publishDir })],
    config: { outputDir: path.join(dir, 'output') },
  };
  const stack = await startLocalStack({
    temporal: { address: opts.address ?? testServerAddress(), namespace: testNamespace() },
    taskQueue: uniqueTaskQueue('stack'),
    emulator: { timeScale: 1, ...opts.emulator },
    worker: opts.worker === false ? false : workerOptions,
    logger: testLogger,
  });
  return {
    ...stack,
    emulator: stack.emulator!,
    dir,
    publishDir,
    workerOptions,
    workerEnv: {
      ...stack.workerEnv,
      GEMINIFLOW_PUBLISH_DIR: publishDir,
      GEMINIFLOW_OUTPUT_DIR: path.join(dir, 'output'),
    },
  };
}
