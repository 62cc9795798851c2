/** Settings that choose where a server listens: a developer's shell may set them for their own stack. */
const listenSettings = ['RECEIVER_PORT', 'RECEIVER_OPS_PORT', 'GEMINI_EMULATOR_PORT', 'GEMINIFLOW_CONSOLE_PORT'];

/**
 * The environment of the test files: this process's, without the settings that pick a listening port (so what a test
 * starts takes the port the test gives it, never one meant for a developer's stack), plus `extra`.
 */
export function testEnvironment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of listenSettings) delete env[name];
  return env;
}
