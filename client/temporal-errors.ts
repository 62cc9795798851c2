import { isGrpcServiceError } from '@temporalio/client';

const grpcNames: Record<number, string> = {
  1: 'CANCELLED',
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION',
  12: 'UNIMPLEMENTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  16: 'UNAUTHENTICATED',
};
const grpc = { DEADLINE_EXCEEDED: 4, UNAVAILABLE: 14 } as const;

/** Temporal refused or failed a call; the message names the server and what it said. */
export class TemporalCallError extends Error {
  override name = 'TemporalCallError';
}

/** A query that needs the run's worker, and no worker polls the run's task queue. */
export class RunWorkerUnavailableError extends Error {
  override name = 'RunWorkerUnavailableError';
}

/** The gRPC status behind the SDK's wrappers ("Failed to list workflows" carries it as its cause). */
function grpcCause(err: unknown): { code: number; details: string } | undefined {
  for (let e = err, hops = 0; e && hops < 5; e = (e as { cause?: unknown }).cause, hops++) {
    if (isGrpcServiceError(e)) return { code: e.code, details: e.details || e.message };
  }
  return undefined;
}

/** Whether the call ran out of time: a query no worker answered, or a server too slow to. */
export function isDeadlineExceeded(err: unknown): boolean {
  return grpcCause(err)?.code === grpc.DEADLINE_EXCEEDED;
}

/**
 * An error from a Temporal call, in words that name the cause: "Temporal at 127.0.0.1:7233 refused: INVALID_ARGUMENT:
 * Namespace default has no mapping defined for search attribute GeminiWaitingFor", with the fix when it is known.
 * Errors that are not Temporal's are returned as they are.
 */
export function explainTemporalError(err: unknown, address: string): unknown {
  const cause = grpcCause(err);
  if (!cause || err instanceof RunWorkerUnavailableError) return err;
  const status = grpcNames[cause.code] ?? `status ${cause.code}`;
  if (cause.code === grpc.UNAVAILABLE) {
    return new TemporalCallError(`Temporal at ${address} is unreachable (${cause.details}); is it running?`);
  }
  if (cause.code === grpc.DEADLINE_EXCEEDED) {
    return new TemporalCallError(`Temporal at ${address} did not answer in time (${cause.details})`);
  }
  const missingAttribute = /(?:no mapping defined for search attribute|invalid search attribute:?) (\w+)/i.exec(
    cause.details,
  )?.[1];
  const fix = missingAttribute
    ? `; the namespace lacks geminiflow's search attribute ${missingAttribute}: start a worker with GeminiflowPlugin (it registers them), or see \`geminiflow doctor\``
    : '';
  return new TemporalCallError(`Temporal at ${address} refused: ${status}: ${cause.details}${fix}`);
}

/** A query of a run that cannot be answered: no worker polls its task queue, or those that do did not answer. */
export function unansweredQueryError(
  workflowId: string,
  taskQueue: string,
  pollers: number,
): RunWorkerUnavailableError {
  const why =
    pollers === 0
      ? `the run's worker is not polling task queue ${taskQueue}. Start it (a worker with GeminiflowPlugin on ${taskQueue}), then ask again.`
      : `${pollers} worker(s) polled task queue ${taskQueue} lately, but none answered in time (stopped, or busy?).`;
  return new RunWorkerUnavailableError(`run ${workflowId} cannot be asked what it waits for: ${why}`);
}
