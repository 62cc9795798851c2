import { defineSignal } from '@temporalio/workflow';

/** The nine event types Gemini documents, after the receiver's lenient normalisation. */
export const geminiEventTypes = [
  'batch.succeeded',
  'batch.failed',
  'batch.expired',
  'batch.cancelled',
  'interaction.requires_action',
  'interaction.completed',
  'interaction.failed',
  'interaction.cancelled',
  'video.generated',
] as const;
export type GeminiEventType = (typeof geminiEventTypes)[number];

/** What the receiver signals to a workflow for one verified webhook delivery. */
export interface GeminiEvent {
  /** `webhook-id`: stable across Gemini's retries, so it is the deduplication key. */
  webhookId: string;
  type: GeminiEventType;
  /** The Gemini resource the event is about (`data.id`: an interaction id or a batch name). */
  resourceId: string;
  /** The envelope's own timestamp (ISO-8601). */
  timestamp: string;
  /** The envelope's `data`, without `user_metadata`. */
  data: Record<string, unknown>;
  /** How the event reached the workflow. */
  via: 'webhook' | 'mailbox' | 'replay' | 'reconciliation';
}

export const geminiEventSignal = defineSignal<[GeminiEvent]>('geminiEvent');
