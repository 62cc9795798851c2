import fs from 'node:fs';
import { NativeConnection, Worker, bundleWorkflowCode, type WorkerOptions } from '@temporalio/worker';
import { installRuntime } from './runtime';

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: object;
  /** A prebuilt workflow bundle (see `bundleWorkflows`); the worker bundles the workflows itself without one. */
  workflowBundlePath?: string;
  overrides?: Partial<WorkerOptions>;
}

export const workflowsPath = require.resolve('../workflows');

/** Bundles the workflows once so several workers (the tests start many) skip the slow webpack step. */
export async function bundleWorkflows(outFile: string): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });
  fs.writeFileSync(outFile, code);
  return outFile;
}

const quietBundlerLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (message: string) => process.stderr.write(`workflow bundler: ${message}\n`),
  error: (message: string) => process.stderr.write(`workflow bundler: ${message}\n`),
};

export async function createWorker(opts: CreateWorkerOptions): Promise<Worker> {
  installRuntime();
  const bundlePath = opts.workflowBundlePath ?? process.env.GEMINIFLOW_WORKFLOW_BUNDLE;
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: opts.activities,
    ...(bundlePath && fs.existsSync(bundlePath) ? { workflowBundle: { codePath: bundlePath } } : { workflowsPath }),
    ...opts.overrides,
  });
}
