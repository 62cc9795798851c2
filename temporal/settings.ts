import type { ConnectionOptions } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { SetupError } from '../common/errors';

/** The address every process uses when neither TEMPORAL_ADDRESS nor a profile names one. */
export const defaultTemporalAddress = '127.0.0.1:7233';
export const defaultTaskQueue = 'geminiflow';

/**
 * How to reach Temporal, read the way Temporal's own CLI and SDKs read it (`@temporalio/envconfig`): a profile of the
 * TOML config file (`TEMPORAL_CONFIG_FILE`, default `~/.config/temporalio/temporal.toml`, profile `TEMPORAL_PROFILE`),
 * overridden by `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS*` and
 * `TEMPORAL_GRPC_META_*`. So Temporal Cloud (API key or mTLS) and a TLS-secured cluster need no code change.
 */
export interface TemporalSettings {
  address: string;
  /** False when the address is only the default, so scripts may start a local dev server instead. */
  addressConfigured: boolean;
  namespace: string;
  taskQueue: string;
  /** For `NativeConnection.connect` (worker, receiver). */
  nativeConnectionOptions: NativeConnectionOptions;
  /** For `Connection.connect` (scripts, tests, one-off commands). */
  connectionOptions: ConnectionOptions;
  /** What may be logged: no key, no certificate. */
  summary: { address: string; namespace: string; tls: boolean; apiKey: boolean; profile?: string };
}

/** docker compose passes `${VAR:-}` as an empty string: that means unset, as everywhere else in geminiflow. */
function withoutEmptyValues(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1].trim() !== ''),
  );
}

/** Reads the Temporal settings shared by the worker, the receiver and every command. */
export function temporalSettings(env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  const vars = withoutEmptyValues(env);
  let loaded: ReturnType<typeof loadClientConnectConfig>;
  try {
    loaded = loadClientConnectConfig({ overrideEnvVars: vars });
  } catch (err) {
    // envconfig's messages name the profile or file that failed; none of them carries a key.
    const source = vars.TEMPORAL_CONFIG_FILE ? ` (TEMPORAL_CONFIG_FILE=${vars.TEMPORAL_CONFIG_FILE})` : '';
    throw new SetupError(`invalid Temporal connection settings${source}: ${(err as Error).message}`);
  }
  const { address: loadedAddress, apiKey, tls, metadata } = loaded.connectionOptions;
  const address = loadedAddress ?? defaultTemporalAddress;
  const namespace = loaded.namespace ?? 'default';
  const common = { address, apiKey, tls, metadata };
  return {
    address,
    addressConfigured: loadedAddress !== undefined,
    namespace,
    taskQueue: vars.TEMPORAL_TASK_QUEUE ?? defaultTaskQueue,
    nativeConnectionOptions: common,
    connectionOptions: common,
    summary: { address, namespace, tls: !!tls, apiKey: apiKey !== undefined, profile: vars.TEMPORAL_PROFILE },
  };
}

/** How a person starts a Temporal server for local work: all of geminiflow with it, or the server alone. */
export const localTemporalHint =
  'start one here with `npx geminiflow dev` (or the server alone: `npx geminiflow-temporal server start-dev`), or set TEMPORAL_ADDRESS';
