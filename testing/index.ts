/**
 * geminiflow/testing: run geminiflow locally and in your own tests: the Gemini emulator (the unmodified SDK talks to it
 * through its base URL), a Temporal dev server, and the whole stack in one call.
 */
export { startLocalStack, type LocalStack, type LocalStackOptions, type LocalWorkerOptions } from './local-stack';
export * from '../emulator';
export { startDevServer, connectOrStartDevServer, type DevServer, type DevServerOptions } from './dev-server';
export { resolveTemporalCli, temporalCliHome, type TemporalCli } from './temporal-cli';
