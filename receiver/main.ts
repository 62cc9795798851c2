import { runMain } from '../common/errors';
import { receiverConfigFromEnv } from './config';
import { startReceiver } from './server';

runMain(async () => {
  const receiver = await startReceiver(receiverConfigFromEnv());
  process.stdout.write(`receiver listening: ${receiver.url} (operations: ${receiver.opsUrl})\n`);
  const shutdown = () => void receiver.stop().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
});
