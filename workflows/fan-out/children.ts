import { type CancellationScope, executeChild, isCancellation } from '@temporalio/workflow';
import { type FanOutItemError, type FanOutJob, fanOutMemoKey } from '../../contract';

/** An item's child workflow id: under the fan-out's, by index, so a restart of the same item reuses it. */
export function itemWorkflowId(fanOutWorkflowId: string, index: number): string {
  return `${fanOutWorkflowId}/${index}`;
}

/**
 * Starts one item's child in `scope` (the fan-out cancels that scope to stop the rest). The memo names the fan-out,
 * where a worker reports the child's rate-limited calls; if the fan-out itself is closed, the child is asked to
 * cancel, so its Gemini job is cancelled too rather than left running.
 */
export function runItem(
  scope: CancellationScope,
  job: FanOutJob,
  index: number,
  fanOutWorkflowId: string,
  taskQueue: string | undefined,
): Promise<unknown> {
  return scope.run(() =>
    executeChild(job.workflowType, {
      workflowId: itemWorkflowId(fanOutWorkflowId, index),
      args: job.args,
      memo: { [fanOutMemoKey]: fanOutWorkflowId },
      parentClosePolicy: 'REQUEST_CANCEL',
      ...(taskQueue ? { taskQueue } : {}),
    }),
  );
}

/** What went wrong, from the innermost cause: its message and failure type (GeminiFailed, BadInput, …). */
export function itemError(err: unknown): FanOutItemError {
  let e = err as { message?: unknown; type?: unknown; name?: unknown; cause?: unknown };
  for (let depth = 0; e?.cause && depth < 10; depth++) e = e.cause as typeof e;
  const type =
    typeof e?.type === 'string'
      ? e.type
      : isCancellation(err)
        ? 'CancelledFailure'
        : typeof e?.name === 'string'
          ? e.name
          : undefined;
  const message = typeof e?.message === 'string' && e.message ? e.message : String(err);
  return { message: message.slice(0, 1000), ...(type ? { type } : {}) };
}
