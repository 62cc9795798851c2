import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const { WorkflowTaskFailedCause } = temporal.api.enums.v1;

/** A running run whose workflow tasks keep failing: it makes no progress until its code or its history changes. */
export interface FailingRun {
  workflowId: string;
  runId: string;
  type: string;
  /** The failed task's attempt count so far. */
  attempt: number;
  /** Its code no longer replays its history: a change to what it schedules, not behind `patched()`. */
  nonDeterministic: boolean;
  /** What the worker reported (the SDK's failure message). */
  message: string;
}

/**
 * Running runs on a task queue whose workflow task failed and is being retried, with why the last attempt failed.
 * For a development loop (a few runs), not for a production namespace: one describe per running run.
 */
export async function failingRuns(client: Client, taskQueue: string, limit = 50): Promise<FailingRun[]> {
  const found: FailingRun[] = [];
  let seen = 0;
  for await (const run of client.workflow.list({
    query: `ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue.replace(/'/g, "\\'")}'`,
  })) {
    if (++seen > limit) break;
    const described = await client.workflow.getHandle(run.workflowId, run.runId).describe();
    const attempt = described.raw.pendingWorkflowTask?.attempt ?? 0;
    if (attempt < 2) continue;
    const history = await client.workflowService.getWorkflowExecutionHistoryReverse({
      namespace: client.options.namespace,
      execution: { workflowId: run.workflowId, runId: run.runId },
      maximumPageSize: 20,
    });
    const failed = history.history?.events?.find(
      (e) => e.workflowTaskFailedEventAttributes,
    )?.workflowTaskFailedEventAttributes;
    if (!failed) continue;
    found.push({
      workflowId: run.workflowId,
      runId: run.runId,
      type: run.type,
      attempt,
      nonDeterministic: failed.cause === WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR,
      message: failed.failure?.message ?? 'no message',
    });
  }
  return found;
}
