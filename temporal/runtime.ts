import { DefaultLogger, type LogEntry, type LogLevel, Runtime } from '@temporalio/worker';
import pino from 'pino';
import { z } from 'zod';
import { parseEnv } from '../common/env';
import { logger } from '../common/logger';

let installed = false;

const schema = z.object({
  TEMPORAL_LOG_LEVEL: z.string().default('WARN'),
  GEMINIFLOW_WORKER_METRICS_ADDRESS: z
    .string()
    .regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:9464')
    .optional(),
});

const pinoLevels = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/**
 * The SDK's log entries (worker, activities, workflows, Core) as the process's other lines: one JSON line each, an
 * error in them with its stack as a field, instead of a multi-line block. TEMPORAL_LOG_LEVEL alone decides which.
 */
function sdkLogFunction(): (entry: LogEntry) => void {
  const sdk = logger.child(
    { component: 'temporal' },
    { level: 'trace', serializers: { error: pino.stdSerializers.err, failure: pino.stdSerializers.err } },
  );
  return ({ level, message, meta }) => sdk[pinoLevels[level]](meta ?? {}, message);
}

/**
 * Keeps the SDK's own logs at warnings unless TEMPORAL_LOG_LEVEL asks for more (it logs every worker state change at
 * INFO), one JSON line each. With GEMINIFLOW_WORKER_METRICS_ADDRESS, the worker's metrics (Temporal's own and geminiflow's, such as
 * failed approval notifications) are served for Prometheus at http://<address>/metrics.
 */
export function installRuntime(): void {
  if (installed) return;
  installed = true;
  const env = parseEnv(schema, process.env, 'worker runtime settings');
  Runtime.install({
    logger: new DefaultLogger(env.TEMPORAL_LOG_LEVEL.toUpperCase() as LogLevel, sdkLogFunction()),
    ...(env.GEMINIFLOW_WORKER_METRICS_ADDRESS
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: env.GEMINIFLOW_WORKER_METRICS_ADDRESS } } } }
      : {}),
  });
}
