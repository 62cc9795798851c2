import { runMain } from '../common/errors';
import { bufferedLogger } from '../common/logger';
import { ensureSearchAttributes } from '../temporal/search-attributes';
import { temporalSettings } from '../temporal/settings';
import { receiverConfigFromEnv } from './config';
import { startReceiver } from './server';

runMain(async () => {
  const logger = bufferedLogger();
  const receiver = await startReceiver({ ...receiverConfigFromEnv(), logger });
  process.stdout.write(`receiver listening: ${receiver.url} (operations: ${receiver.opsUrl})\n`);
  const shutdown = () => void receiver.stop().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  // The receiver serves (503 until Temporal answers) meanwhile; a namespace it cannot use stops it with the fix.
  await ensureSearchAttributes(temporalSettings(), { logger });
});
