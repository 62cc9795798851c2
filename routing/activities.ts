import { Context } from '@temporalio/activity';
import { recordDeadLetter } from './dead-letter-store';
import { findOwner, type Owner } from './owner-lookup';
import type { DeadLetterRecord } from './dead-letter-workflow';

/**
 * Used by the mailbox workflow: the run that recorded the resource id, or null when none has (yet). "Not yet" is an
 * answer, not a failure, so the mailbox polls with its own backoff rather than filling logs with activity retries.
 */
export async function findGeminiResourceOwner(resourceId: string): Promise<Owner | null> {
  return (await findOwner(Context.current().client, resourceId)) ?? null;
}

/** Idempotent: one dead letter per webhook-id. */
export async function deadLetterGeminiEvent(record: DeadLetterRecord): Promise<void> {
  await recordDeadLetter(Context.current().client, Context.current().info.taskQueue, record);
}
