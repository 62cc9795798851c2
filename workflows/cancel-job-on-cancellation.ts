import { CancellationScope, isCancellation } from '@temporalio/workflow';

/**
 * Runs `body` (the wait on a Gemini job); if the workflow is cancelled meanwhile, cancels the job too before the
 * cancellation propagates. The cleanup runs in a non-cancellable scope, so it is not itself cancelled.
 */
export async function cancelJobOnCancellation<T>(
  body: () => Promise<T>,
  cancelJob: () => Promise<unknown>,
): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (isCancellation(err)) await CancellationScope.nonCancellable(cancelJob);
    throw err;
  }
}
