import type { Client } from '@temporalio/client';

/** A call to Temporal that did not settle by its deadline. */
export class DeadlinePassedError extends Error {
  override name = 'DeadlinePassedError';
}

/** Calls answered for at their deadline that have not ended yet (a retry's backoff), per client. */
const strays = new WeakMap<Client, Set<Promise<unknown>>>();

/**
 * Resolves once the calls `within` stopped waiting for have ended. Their next attempt carries the passed deadline, so
 * it fails before it is sent; but it must not find the connection closed (gRPC throws then), so close after this.
 */
export async function straysSettled(client: Client): Promise<void> {
  await Promise.all([...(strays.get(client) ?? [])]);
}

/**
 * Runs `fn` so that it settles by `deadline` (ms since the epoch), whatever the connection does: each gRPC attempt
 * carries the deadline (an attempt started after it fails before it is sent), an abort ends the one in flight, and
 * the answer does not wait for a retry's backoff (see `straysSettled`).
 */
export async function within<T>(client: Client, deadline: number, fn: () => Promise<T>): Promise<T> {
  const span = Math.max(0, deadline - Date.now());
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort.abort();
      reject(new DeadlinePassedError(`Temporal did not answer within ${span} ms`));
    }, span);
  });
  const call = client.withAbortSignal(abort.signal, () => client.withDeadline(deadline, fn));
  const stray = call.then(
    () => undefined,
    () => undefined,
  );
  const set = strays.get(client) ?? new Set();
  strays.set(client, set.add(stray));
  void stray.then(() => set.delete(stray));
  try {
    return await Promise.race([call, late]);
  } finally {
    clearTimeout(timer);
  }
}
