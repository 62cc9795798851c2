import { runMain, SetupError } from '../common/errors';
import { optionsFromEnv } from './env-options';
import { startEmulator } from './start';

runMain(async () => {
  const options = optionsFromEnv();
  const emulator = await startEmulator(options).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE') {
      throw new SetupError(
        `Port ${options.port} is in use; set GEMINI_EMULATOR_PORT to another port (0 = any free port).`,
      );
    }
    throw err;
  });
  process.stdout.write(
    [
      `Gemini emulator listening on ${emulator.listenUrl}, advertised as ${emulator.baseUrl}`,
      `  point the SDK at it:  GOOGLE_GEMINI_BASE_URL=${emulator.baseUrl}  GEMINI_API_KEY=<any non-empty value>`,
      `  dynamic webhook signing: ${options.dynamicSigning ?? 'v1a'}   JWKS: ${emulator.jwksUrl}`,
      `  control API: ${emulator.baseUrl}/_emulator/clock (see docs/emulator.md)`,
      '',
    ].join('\n'),
  );
  const shutdown = () => {
    void emulator.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
});
