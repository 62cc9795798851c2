import { setTimeout as sleep } from 'node:timers/promises';
import { SetupError } from '../common/errors';
import { inspectSearchAttributes, type SearchAttributeSetupOptions, setupSearchAttributes } from './search-attributes';

/** How often a running worker checks its namespace; one cheap operator call each time. */
export const searchAttributeWatchMs = 10_000;

export interface SearchAttributeWatch {
  stop(): void;
}

/**
 * Keeps a running worker's namespace supplied with geminiflow's search attributes. A namespace can lose them while the
 * worker runs (a Temporal dev server restarted without its database comes back empty), and every workflow task that
 * sets one then fails, in a loop, with BadSearchAttributes. Every `intervalMs` this lists them; missing ones are
 * registered again where allowed, otherwise `onLost` gets one line that names the fix. A server that is unreachable
 * for a moment is not a finding; one that does not list attributes (Temporal Cloud with an API key, where they are
 * managed elsewhere and do not vanish) is not watched.
 */
export function watchSearchAttributes(
  opts: SearchAttributeSetupOptions & { intervalMs?: number; onLost(err: SetupError): void },
): SearchAttributeWatch {
  const stopped = new AbortController();
  const check = async (): Promise<'again' | 'done'> => {
    const found = await inspectSearchAttributes(opts);
    if (!found.typesVerified) return 'done';
    if (found.missing.length === 0) return 'again';
    const names = found.missing.map((k) => k.name).join(', ');
    const lost = `namespace ${opts.namespace} lost geminiflow's search attribute(s) ${names} while this worker ran (a Temporal server restarted without its database forgets them, and its runs)`;
    try {
      await setupSearchAttributes({ ...opts, logger: undefined });
    } catch (err) {
      if (!(err instanceof SetupError)) throw err;
      opts.onLost(
        new SetupError(
          `${lost}, and the worker cannot register them (${opts.mode === 'check' ? 'GEMINIFLOW_REGISTER_SEARCH_ATTRIBUTES=false' : 'the server refused'}): it stopped. Create them (\`npx geminiflow doctor\` prints the commands), then start it again.`,
        ),
      );
      return 'done';
    }
    opts.logger?.warn(
      { namespace: opts.namespace, registered: found.missing.map((k) => k.name) },
      `${lost}; registered them again`,
    );
    return 'again';
  };
  void (async () => {
    while (!stopped.signal.aborted) {
      const slept = await sleep(opts.intervalMs ?? searchAttributeWatchMs, true, {
        signal: stopped.signal,
      }).catch(() => false);
      if (!slept) return;
      const next = await check().catch(() => 'again' as const);
      if (next === 'done') return;
    }
  })();
  return { stop: () => stopped.abort() };
}
