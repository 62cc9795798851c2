import fs from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { withGeminiflowWorkflows } from './workflows-path';

const quietBundlerLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (message: string) => process.stderr.write(`workflow bundler: ${message}\n`),
  error: (message: string) => process.stderr.write(`workflow bundler: ${message}\n`),
};

/**
 * Bundles your workflows with geminiflow's into one file, for workers that start from a prebuilt bundle
 * (`workflowBundle: { codePath }`) instead of bundling at start.
 */
export async function bundleWorkflows(outFile: string, userWorkflowsPath?: string): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: withGeminiflowWorkflows(userWorkflowsPath),
    logger: quietBundlerLogger,
  });
  fs.writeFileSync(outFile, code);
  return outFile;
}
