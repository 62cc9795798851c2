import fs from 'node:fs';
import { type NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: object;
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

/** A worker for the project's workflows; it uses the bundle `npm test` prebuilt (GEMINIFLOW_WORKFLOW_BUNDLE) if any. */
export async function createWorker(opts: CreateWorkerOptions): Promise<Worker> {
  const bundlePath = process.env.GEMINIFLOW_WORKFLOW_BUNDLE;
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: opts.activities,
    ...(bundlePath && fs.existsSync(bundlePath) ? { workflowBundle: { codePath: bundlePath } } : { workflowsPath }),
  });
}
