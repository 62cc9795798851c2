import { defineSignal } from '@temporalio/workflow';
import { type GeminiEventType, type GeminiResourceKind, geminiResourceKinds, jobKinds } from './job-kinds';

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

export const allTerminalTypes: readonly GeminiEventType[] = geminiResourceKinds.flatMap((k) => jobKinds[k].terminal);

/** Failures end any wait on the resource, whatever it waits for: waiting on would never end. */
export function failureTypesOf(kind: GeminiResourceKind): readonly GeminiEventType[] {
  return jobKinds[kind].failures;
}

/** What a wait ends on when the caller names nothing. */
export function defaultUntil(kind: GeminiResourceKind): GeminiEventType[] {
  return [...jobKinds[kind].waitsFor];
}
