import { NativeConnection } from '@temporalio/worker';
import * as activities from '../activities';
import { ensureWebhookAtStartup } from '../activities/webhook-setup';
import { runMain } from '../common/errors';
import { logger } from '../common/logger';
import { ensureSearchAttributes } from '../common/search-attributes-setup';
import { temporalSettings } from '../common/temporal-connection';
import { createWorker } from './create-worker';
import { installRuntime } from './runtime';

runMain(async () => {
  const config = temporalSettings();
  const { address } = config;
  // Before the SDK Runtime takes over SIGINT/SIGTERM, so a worker still waiting for Temporal stops on them.
  await ensureSearchAttributes(config, { logger });
  installRuntime();
  await ensureWebhookAtStartup();
  const connection = await NativeConnection.connect(config.nativeConnectionOptions);
  const worker = await createWorker({ connection, namespace: config.namespace, taskQueue: config.taskQueue, activities });
  logger.info({ address, namespace: config.namespace, taskQueue: config.taskQueue }, 'worker started');
  await worker.run();
  await connection.close();
});
