import { PayloadConverterError, ValueError } from '@temporalio/common';

// gRPC status codes after which the same request can succeed later: Temporal is down, slow, overloaded, or this
// receiver's access is misconfigured (fixed by an operator, then Gemini's retry lands).
const transientCodes = new Set([1, 2, 4, 7, 8, 10, 13, 14, 16]);
// Codes that mean Temporal will never take this request as it is.
const permanentCodes = new Set([3, 9, 11, 12]);

/**
 * Whether an error on the way to Temporal is permanent: Temporal refused the request itself (invalid argument, too
 * large) or the SDK could not convert the event to a payload. Anything unknown counts as transient, so an event is
 * never thrown away on a guess (a bug of ours included: it answers 503 and shows in the log); Gemini's retry costs
 * little. Strings the SDK cannot encode at all (lone surrogates) never get this far: routing and verification refuse
 * them first.
 */
export function isPermanentTemporalError(err: unknown): boolean {
  if (err instanceof OwnerLookupError) return false;
  for (let e = err, hops = 0; e && typeof e === 'object' && hops < 5; e = (e as { cause?: unknown }).cause, hops++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number') {
      if (permanentCodes.has(code)) return true;
      if (transientCodes.has(code)) return false;
    }
    if (e instanceof PayloadConverterError || e instanceof ValueError) return true;
  }
  return false;
}

/**
 * The visibility query that finds an event's owner failed. That says nothing about the event, only about the
 * namespace, whatever the status: a cluster node whose namespace cache has not caught up with just-registered search
 * attributes refuses the query as INVALID_ARGUMENT for a moment. So it is retried (503), never kept as a dead letter.
 */
export class OwnerLookupError extends Error {
  override name = 'OwnerLookupError';
}
