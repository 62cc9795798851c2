import fs from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { tracingSettingsFromEnv } from '../tracing/settings';
import { tracingBundlerPlugin } from '../tracing/temporal';
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
 * (`workflowBundle: { codePath }`) instead of bundling at start. With `tracing` (default: when the OTEL_* variables
 * turn it on here), Temporal's OpenTelemetry workflow interceptors go in too, which a traced worker needs.
 */
export async function bundleWorkflows(
  outFile: string,
  userWorkflowsPath?: string,
  options: { tracing?: boolean } = {},
): Promise<string> {
  const tracing = options.tracing ?? tracingSettingsFromEnv() !== undefined;
  const { code } = await bundleWorkflowCode({
    workflowsPath: withGeminiflowWorkflows(userWorkflowsPath),
    logger: quietBundlerLogger,
    ...(tracing ? { plugins: [tracingBundlerPlugin()] } : {}),
  });
  fs.writeFileSync(outFile, code);
  return outFile;
}
