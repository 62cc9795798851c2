import { defineSignal } from '@temporalio/workflow';
import type { GeminiResourceKind } from './resources';

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

/** The one signal geminiflow sends: a verified Gemini event for the run that owns the job. */
export const geminiEventSignal = defineSignal<[GeminiEvent]>('geminiEvent');

/** The states after which a job changes no more, by kind. */
export const terminalTypes: Record<GeminiResourceKind, readonly GeminiEventType[]> = {
  interaction: ['interaction.completed', 'interaction.failed', 'interaction.cancelled'],
  batch: ['batch.succeeded', 'batch.failed', 'batch.expired', 'batch.cancelled'],
};

export const allTerminalTypes: readonly GeminiEventType[] = [...terminalTypes.interaction, ...terminalTypes.batch];

/** Failures end any wait on the resource, whatever it waits for: waiting on would never end. */
export const failureTypes: Record<GeminiResourceKind, readonly GeminiEventType[]> = {
  interaction: ['interaction.failed', 'interaction.cancelled'],
  batch: ['batch.failed', 'batch.expired', 'batch.cancelled'],
};

/** What a wait ends on when the caller names nothing: every terminal type (+ requires_action for interactions). */
export function defaultUntil(kind: GeminiResourceKind): GeminiEventType[] {
  return kind === 'interaction' ? [...terminalTypes.interaction, 'interaction.requires_action'] : [...terminalTypes.batch];
}
