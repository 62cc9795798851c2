import type { Command } from 'commander';
import { bufferedLogger } from '../../common/logger';
import { receiverConfigFromEnv, startReceiver } from '../../receiver';
import { ensureSearchAttributes } from '../../temporal/search-attributes';
import { temporalSettings } from '../../temporal/settings';
import { emulatorOptionsFromEnv, startEmulator } from '../../testing';
import { portOption } from '../dev/ports';
import { examples } from '../help';
import { print } from '../output';
import { commandEnv } from '../session';
import { untilStopped } from './console';

/** `geminiflow emulator` and `geminiflow receiver`: one part alone, configured from the environment, until Ctrl-C. */
export function registerParts(program: Command): void {
  examples(
    program
      .command('emulator')
      .description('run the Gemini emulator alone until Ctrl-C (GEMINI_EMULATOR_* settings: docs/emulator.md)')
      .option('--port <port>', 'listen here (default: GEMINI_EMULATOR_PORT or 8790)', portOption),
    'geminiflow emulator',
    'GEMINI_EMULATOR_TIME_SCALE=30 geminiflow emulator --port 8791',
  ).action(async (o: { port?: number }, cmd: Command) => {
    const options = emulatorOptionsFromEnv(commandEnv(cmd));
    const emulator = await startEmulator({ ...options, port: o.port ?? options.port });
    print(`Gemini emulator on ${emulator.baseUrl} (JWKS ${emulator.jwksUrl}); Ctrl-C stops it`);
    print(`  point the SDK at it: GEMINI_EMULATOR_URL=${emulator.baseUrl} (a worker) or httpOptions.baseUrl`);
    await untilStopped();
    await emulator.stop();
  });

  examples(
    program
      .command('receiver')
      .description(
        'run the webhook receiver alone until Ctrl-C (RECEIVER_*, GEMINI_WEBHOOK_*, GEMINIFLOW_ROUTING_KEYS and ' +
          'TEMPORAL_* settings: docs/configuration.md)',
      )
      .option('--port <port>', 'listen here (default: RECEIVER_PORT or 8789)', portOption),
    'GEMINIFLOW_ROUTING_KEYS="k1:$(openssl rand -base64 32)" geminiflow receiver',
  ).action(async (o: { port?: number }, cmd: Command) => {
    const env = commandEnv(cmd);
    const logger = bufferedLogger();
    const stopped = untilStopped();
    const receiver = await startReceiver({
      ...receiverConfigFromEnv(env),
      ...(o.port ? { port: o.port } : {}),
      logger,
    });
    try {
      print(`receiver on ${receiver.url} (operations ${receiver.opsUrl}); Ctrl-C stops it`);
      // It serves meanwhile (503 until Temporal answers); a namespace it cannot use stops it with the fix.
      const ready = ensureSearchAttributes(temporalSettings(env), { logger });
      await Promise.race([stopped, ready.then(() => stopped)]);
    } finally {
      await receiver.stop();
      logger.flush();
    }
  });
}
