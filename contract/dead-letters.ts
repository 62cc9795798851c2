import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { GeminiEvent } from './events';

/** The workflow type of a dead letter: the receiver and the client start and list it by name. */
export const deadLetterWorkflowType = 'geminiDeadLetter';

export type DeadLetterReason =
  | 'workflow_closed'
  | 'workflow_not_found'
  | 'owner_not_found'
  | 'unknown_type'
  | 'unroutable'
  /** Verified, but the body can never be read (nested too deep): only an excerpt is kept. */
  | 'unreadable'
  /** Verified, but the event is larger than a signal may be: kept with its data cut. */
  | 'too_large'
  /** Temporal refused the event itself (not an outage): kept as a bounded copy. */
  | 'rejected_by_temporal';

/** A verified delivery that could not be signaled to a workflow, kept so it can be replayed by hand. */
export interface DeadLetterRecord {
  webhookId: string;
  reason: DeadLetterReason;
  /** Human-readable cause; never contains secrets or the body. */
  detail?: string;
  /** The event type as Gemini sent it. */
  eventType: string;
  resourceId?: string;
  /** The workflow the event was meant for, when known. */
  targetWorkflowId?: string;
  /** The normalised event, when the type is one of the nine. */
  event?: GeminiEvent;
  /** The verified envelope, kept for unknown types so a later version can still make sense of it. */
  envelope?: unknown;
  receivedAt: string;
}

export interface DeadLetterReplay {
  to: string;
  at: string;
}

export const deadLetterReplayedSignal = defineSignal<[DeadLetterReplay]>('deadLetterReplayed');
export const deadLetterRecordQuery = defineQuery<DeadLetterRecord>('deadLetterRecord');
