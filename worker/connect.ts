import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import { SetupError } from '../common/errors';
import { installRuntime } from '../temporal/runtime';
import { localTemporalHint, temporalSettings } from '../temporal/settings';

/** The transport's own words, which are Rust debug output, as a few plain ones. */
function reason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const os = /message: \\?"([^"\\]+)\\?"/.exec(message)?.[1] ?? /error: \\?"([^"\\]+)\\?"/.exec(message)?.[1];
  if (os) return os.charAt(0).toLowerCase() + os.slice(1);
  return message.split('\n')[0]!.slice(0, 200);
}

/**
 * A worker's connection to Temporal, from the environment the way Temporal's CLI reads it (TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS*, a TEMPORAL_PROFILE of the config file), with `options` on top.
 * When the server cannot be reached, the error is one line naming the address and how to start a local server.
 */
export async function connectToTemporal(options: NativeConnectionOptions = {}): Promise<NativeConnection> {
  const merged = { ...temporalSettings().nativeConnectionOptions, ...options };
  try {
    // The SDK's own logs at warnings unless TEMPORAL_LOG_LEVEL asks for more: it logs every state change at INFO.
    installRuntime();
  } catch (err) {
    // A bad setting is the person's to fix; a Runtime the process made itself, before this, serves as well.
    if (err instanceof SetupError) throw err;
  }
  try {
    return await NativeConnection.connect(merged);
  } catch (err) {
    throw new SetupError(`cannot reach Temporal at ${merged.address} (${reason(err)}): ${localTemporalHint}.`);
  }
}
