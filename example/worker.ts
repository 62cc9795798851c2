import { Worker } from '@temporalio/worker';
import { Command } from 'commander';
import { runMain } from '../common/errors';
import { logger } from '../common/logger';
import { ensureSearchAttributes } from '../temporal/search-attributes';
import { temporalSettings } from '../temporal/settings';
import {
  connectToTemporal,
  ensureWebhookAtStartup,
  GeminiflowPlugin,
  geminiClientFor,
  geminiflowConfigFromEnv,
  geminiflowWorkerTuning,
  installRuntime,
  workerStartSettingsFromEnv,
} from '../worker';
import { exampleTools } from './tool-implementations';

/**
 * `npm run worker [-- --workflow-bundle <file>]`: the example app's worker (its workflows and tools, plus geminiflow's),
 * configured by environment. A bundle made at build time (`bundleWorkflows`) skips webpack at start.
 */
const { workflowBundle } = new Command('worker')
  .option('--workflow-bundle <file>', 'a prebuilt workflow bundle (the example app with geminiflow)')
  .parse()
  .opts<{ workflowBundle?: string }>();

runMain(async () => {
  const temporal = temporalSettings();
  const config = geminiflowConfigFromEnv();
  const start = workerStartSettingsFromEnv();
  const plugin = new GeminiflowPlugin({ config, tools: [exampleTools()] });
  // Before the SDK Runtime takes over SIGINT/SIGTERM, so a worker still waiting for Temporal stops on them.
  await ensureSearchAttributes(temporal, { logger });
  installRuntime();
  if (start.ensureWebhook) {
    await ensureWebhookAtStartup(geminiClientFor(config.gemini), start.ensureWebhook);
  }
  const { address } = temporal;
  const connection = await connectToTemporal(temporal.nativeConnectionOptions);
  const worker = await Worker.create({
    ...geminiflowWorkerTuning,
    connection,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    ...(workflowBundle
      ? { workflowBundle: { codePath: workflowBundle } }
      : { workflowsPath: require.resolve('./workflows') }),
    plugins: [plugin],
  });
  logger.info({ address, namespace: temporal.namespace, taskQueue: temporal.taskQueue }, 'worker started');
  await worker.run();
  await connection.close();
});
