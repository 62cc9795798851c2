import { runMain } from '../common/errors';
import { logger } from '../common/logger';
import { ensureSearchAttributes } from '../common/search-attributes-setup';
import { temporalSettings } from '../common/temporal-connection';
import { receiverConfigFromEnv } from './config';
import { startReceiver } from './server';

runMain(async () => {
  const config = receiverConfigFromEnv();
  if (config.secrets.length === 0) {
    logger.warn('GEMINI_WEBHOOK_SECRETS is empty: registered (v1 HMAC) webhooks cannot verify');
  }
  const receiver = await startReceiver(config);
  process.stdout.write(`receiver listening: ${receiver.url}\n`);
  const shutdown = () => void receiver.stop().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  // The receiver serves (503 until Temporal answers) meanwhile; a namespace it cannot use stops it with the fix.
  await ensureSearchAttributes(temporalSettings(), { logger });
});
