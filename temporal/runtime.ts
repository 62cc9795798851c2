import { DefaultLogger, type LogLevel, Runtime } from '@temporalio/worker';
import { z } from 'zod';
import { parseEnv } from '../common/env';

let installed = false;

const schema = z.object({
  TEMPORAL_LOG_LEVEL: z.string().default('WARN'),
  GEMINIFLOW_WORKER_METRICS_ADDRESS: z
    .string()
    .regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:9464')
    .optional(),
});

/**
 * Keeps the SDK's own logs at warnings unless TEMPORAL_LOG_LEVEL asks for more (it logs every worker state change at
 * INFO). With GEMINIFLOW_WORKER_METRICS_ADDRESS, the worker's metrics (Temporal's own and geminiflow's, such as
 * failed approval notifications) are served for Prometheus at http://<address>/metrics.
 */
export function installRuntime(): void {
  if (installed) return;
  installed = true;
  const env = parseEnv(schema, process.env, 'worker runtime settings');
  Runtime.install({
    logger: new DefaultLogger(env.TEMPORAL_LOG_LEVEL.toUpperCase() as LogLevel),
    ...(env.GEMINIFLOW_WORKER_METRICS_ADDRESS
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: env.GEMINIFLOW_WORKER_METRICS_ADDRESS } } } }
      : {}),
  });
}
