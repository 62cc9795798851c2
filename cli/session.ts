import type { Command } from 'commander';
import { connectGeminiflow, explainTemporalError, type GeminiflowClient } from '../client';
import type { TemporalSettings } from '../temporal/settings';

/** The options every command takes; each overrides its environment variable. */
export interface GlobalOptions {
  address?: string;
  namespace?: string;
  taskQueue?: string;
  profile?: string;
}

/** The environment the command runs with: the process's, with the global options on top. */
export function commandEnv(cmd: Command): NodeJS.ProcessEnv {
  const o = cmd.optsWithGlobals<GlobalOptions>();
  return {
    ...process.env,
    ...(o.address ? { TEMPORAL_ADDRESS: o.address } : {}),
    ...(o.namespace ? { TEMPORAL_NAMESPACE: o.namespace } : {}),
    ...(o.taskQueue ? { TEMPORAL_TASK_QUEUE: o.taskQueue } : {}),
    ...(o.profile ? { TEMPORAL_PROFILE: o.profile } : {}),
  };
}

/**
 * Runs `fn` with a GeminiflowClient on the configured Temporal server, closing the connection after. Temporal's
 * errors come out naming the server and what it said.
 */
export async function withGeminiflow<T>(
  cmd: Command,
  fn: (geminiflow: GeminiflowClient, settings: TemporalSettings) => Promise<T>,
): Promise<T> {
  const { geminiflow, settings, close } = await connectGeminiflow({ env: commandEnv(cmd) });
  try {
    return await fn(geminiflow, settings);
  } catch (err) {
    // The SDK's "Failed to list workflows" hides what Temporal said; a person needs the server's words.
    throw explainTemporalError(err, settings.address);
  } finally {
    await close();
  }
}
