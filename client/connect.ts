import { Client, Connection } from '@temporalio/client';
import { SetupError } from '../common/errors';
import { localTemporalHint, type TemporalSettings, temporalSettings } from '../temporal/settings';
import { tracingFor } from '../tracing/provider';
import { tracingClientInterceptors } from '../tracing/temporal';

export interface ConnectedTemporal {
  client: Client;
  settings: TemporalSettings;
  close(): Promise<void>;
}

/**
 * A Temporal client on the server the environment names, read the way the worker and the receiver read it
 * (`@temporalio/envconfig`: a profile of Temporal's config file, overridden by TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
 * TEMPORAL_API_KEY, TEMPORAL_TLS*; the task queue from TEMPORAL_TASK_QUEUE).
 */
export async function connectTemporal(
  opts: { env?: NodeJS.ProcessEnv; connectTimeoutMs?: number } = {},
): Promise<ConnectedTemporal> {
  const settings = temporalSettings(opts.env ?? process.env);
  let connection: Connection;
  try {
    connection = await Connection.connect({
      ...settings.connectionOptions,
      connectTimeout: opts.connectTimeoutMs ?? 5000,
    });
  } catch (err) {
    throw new SetupError(
      `cannot reach Temporal at ${settings.address} (${(err as Error).message}): ${localTemporalHint} or TEMPORAL_PROFILE.`,
    );
  }
  // With the OTEL_* variables set, what this client starts, signals or updates begins a trace (docs/observability.md).
  const interceptors = tracingClientInterceptors('client');
  return {
    client: new Client({ connection, namespace: settings.namespace, ...(interceptors ? { interceptors } : {}) }),
    settings,
    // A command's spans are sent before it exits (the batch processor would otherwise wait seconds).
    close: async () => {
      await connection.close();
      if (interceptors) await tracingFor('client')?.flush();
    },
  };
}
