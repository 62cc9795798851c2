import { DefaultLogger, type LogLevel, Runtime } from '@temporalio/worker';

let installed = false;

/** Keeps the SDK's own logs at warnings unless LOG_LEVEL asks for more; it logs every worker state change at INFO. */
export function installRuntime(): void {
  if (installed) return;
  installed = true;
  const wanted = (process.env.TEMPORAL_LOG_LEVEL ?? 'WARN').toUpperCase() as LogLevel;
  Runtime.install({ logger: new DefaultLogger(wanted) });
}
