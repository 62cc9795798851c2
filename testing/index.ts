/**
 * geminiflow/testing: run geminiflow locally and in your own tests: the Gemini emulator (the unmodified SDK talks to it
 * through its base URL), a Temporal dev server, and the whole stack in one call.
 */

export * from '../emulator';
export { connectOrStartDevServer, type DevServer, type DevServerOptions, startDevServer } from './dev-server';
export { type LocalStack, type LocalStackOptions, type LocalWorkerOptions, startLocalStack } from './local-stack';
export { resolveTemporalCli, type TemporalCli, temporalCliHome } from './temporal-cli';
