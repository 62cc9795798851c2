import type { GeminiEventType } from './job-kinds';
import type { TokenUsage } from './usage';

/**
 * Every interaction status `@google/genai` 3.6 names, and the event geminiflow reads it as (docs/workflows.md,
 * "How a wait ends"). `null`: the interaction is still running, a wait goes on.
 * - `queued` waits for capacity and `idle` has nothing running yet: Gemini will move on by itself.
 * - `requires_continuation` stopped at the per-request decode limit. Gemini continues background interactions (every
 *   one geminiflow starts) itself, so a wait keeps waiting; one that shows the same continuation token for longer than
 *   the wait's longest quiet period is stalled, and the wait ends with `interaction.requires_continuation`.
 * - `incomplete` (finished short, e.g. at `max_output_tokens`) and `budget_exceeded` (stopped at the token budget of its
 *   agent config) are ends, each with its own event, whatever partial output and usage Gemini kept.
 * Any other status ends a wait as `interaction.unknown_status`, naming it in `data.status`: never a wait that hangs.
 */
export const interactionStatusEvents = {
  in_progress: null,
  queued: null,
  idle: null,
  requires_continuation: 'interaction.requires_continuation',
  requires_action: 'interaction.requires_action',
  completed: 'interaction.completed',
  failed: 'interaction.failed',
  cancelled: 'interaction.cancelled',
  incomplete: 'interaction.incomplete',
  budget_exceeded: 'interaction.budget_exceeded',
} as const satisfies Record<string, GeminiEventType | null>;

export type KnownInteractionStatus = keyof typeof interactionStatusEvents;
export const knownInteractionStatuses = Object.keys(interactionStatusEvents) as KnownInteractionStatus[];

/** The statuses in which an interaction stopped short of a full answer, keeping what it wrote so far. */
export const stoppedShortStatuses = ['incomplete', 'budget_exceeded'] as const;
export type StoppedShortStatus = (typeof stoppedShortStatuses)[number];

/** The event an interaction status stands for; null while the interaction runs (a wait goes on). */
export function eventTypeOfStatus(status: string): GeminiEventType | null {
  return Object.hasOwn(interactionStatusEvents, status)
    ? interactionStatusEvents[status as KnownInteractionStatus]
    : 'interaction.unknown_status';
}

/** Whether Gemini is still working on an interaction in this status (or will continue it by itself). */
export function isRunningStatus(status: string): boolean {
  return status === 'in_progress' || status === 'queued' || status === 'idle' || status === 'requires_continuation';
}

/**
 * The details of the failure a workflow raises when its interaction stopped short (`GeminiIncomplete`,
 * `GeminiBudgetExceeded`): `failure.details[0]`. What Gemini kept is here, so a caller can still use it.
 */
export interface StoppedInteraction {
  interactionId: string;
  status: StoppedShortStatus;
  /** The text the model wrote before it stopped (may be empty). */
  partialText: string;
  usage?: TokenUsage;
}
