import { NativeConnection } from '@temporalio/worker';
import * as activities from '../activities';
import { ensureWebhookAtStartup } from '../activities/webhook-setup';
import { runMain } from '../common/errors';
import { logger } from '../common/logger';
import { temporalConfig } from '../common/temporal-config';
import { createWorker } from './create-worker';
import { installRuntime } from './runtime';

runMain(async () => {
  const config = temporalConfig();
  const address = config.address ?? '127.0.0.1:7233';
  installRuntime();
  await ensureWebhookAtStartup();
  const connection = await NativeConnection.connect({ address });
  const worker = await createWorker({ connection, namespace: config.namespace, taskQueue: config.taskQueue, activities });
  logger.info({ address, namespace: config.namespace, taskQueue: config.taskQueue }, 'worker started');
  await worker.run();
  await connection.close();
});
