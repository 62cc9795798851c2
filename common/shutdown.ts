import { logger } from './logger';

const shutdownSignals = ['SIGINT', 'SIGTERM'] as const;

type Stop = () => Promise<unknown>;
const parts = new Set<Stop>();

/**
 * The first SIGINT or SIGTERM stops every part at once, each within its own drain bound. Our listeners go with it, so
 * a second signal ends the process as Node's default does, even if something of the user's keeps it alive.
 */
function stopEverything(signal: NodeJS.Signals): void {
  for (const s of shutdownSignals) process.off(s, stopEverything);
  const stopping = [...parts];
  parts.clear();
  for (const stop of stopping) {
    stop().catch((err: unknown) => logger.error({ err, signal }, 'stopping on a signal failed'));
  }
}

/**
 * Registers a server of geminiflow (receiver, console, emulator) to stop on the process's first SIGINT or SIGTERM, as
 * `docker stop` and Ctrl-C send exactly one. Any listener disables Node's default (exit at once), and the Temporal
 * SDK's Runtime adds one that only stops workers, so without this a process serving a receiver ignored the first
 * signal. Once every part has stopped, nothing of ours holds the process: it ends by itself. Returns the release,
 * called by the part's own stop.
 */
export function stopOnShutdownSignal(stop: Stop): () => void {
  if (parts.size === 0) for (const s of shutdownSignals) process.on(s, stopEverything);
  parts.add(stop);
  return () => {
    parts.delete(stop);
    if (parts.size === 0) for (const s of shutdownSignals) process.off(s, stopEverything);
  };
}
