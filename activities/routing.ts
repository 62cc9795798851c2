import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { DeadLetterRecord } from '../contract';
import { recordDeadLetter } from '../temporal/dead-letters';
import { findOwner, type Owner } from '../temporal/owner-lookup';

/**
 * Used by the mailbox workflow: the run that recorded the resource id, or null when none has (yet). "Not yet" is an
 * answer, not a failure, so the mailbox polls with its own backoff rather than filling logs with activity retries.
 */
export async function findGeminiResourceOwner(resourceId: string): Promise<Owner | null> {
  return (await findOwner(Context.current().client, resourceId)) ?? null;
}

/**
 * The status of the workflow's latest run (`COMPLETED`, `FAILED`, ...), or null when there is none. Read from the run
 * itself, not from visibility, which may still show a run as running a moment after it has closed.
 */
export async function geminiWorkflowStatus(workflowId: string): Promise<string | null> {
  try {
    return (await Context.current().client.workflow.getHandle(workflowId).describe()).status.name;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}

/** Idempotent: one dead letter per webhook-id. */
export async function deadLetterGeminiEvent(record: DeadLetterRecord): Promise<void> {
  await recordDeadLetter(Context.current().client, Context.current().info.taskQueue, record);
}
