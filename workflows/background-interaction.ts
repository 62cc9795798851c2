import { CancellationScope } from '@temporalio/workflow';
import type { BackgroundInteractionRequest, GeminiEvent, GeminiEventType } from '../contract';
import { cancelInteraction, startBackgroundInteraction } from './activities';
import { cancelJobOnCancellation } from './cancel-job-on-cancellation';
import { jobEnded } from './job-failures';
import type { GeminiUsageTracker } from './usage';
import type { GeminiEvents, ResolvedWait, WaitSettings } from './wait-for-gemini-event';

export interface BackgroundInteractionWait {
  /** The events that mean the interaction produced what the workflow wants. */
  done: GeminiEventType[];
  /** Names the job in the failure when it ends any other way, e.g. 'Deep Research'. */
  what: string;
  wait: WaitSettings;
  /** The run's usage: its budget is checked before the interaction starts. */
  usage?: GeminiUsageTracker;
}

export interface FinishedInteraction {
  interactionId: string;
  event: GeminiEvent;
  resolvedBy: ResolvedWait['resolvedBy'];
}

/**
 * Starts a background interaction (once the run's budget allows it) and waits until it is done. A cancelled workflow cancels the interaction too; any
 * other end (failed, cancelled outside the workflow) fails with Gemini's reason.
 */
export async function runBackgroundInteraction(
  events: GeminiEvents,
  request: BackgroundInteractionRequest,
  { done, what, wait, usage }: BackgroundInteractionWait,
): Promise<FinishedInteraction> {
  await usage?.beforeJob(what);
  // Not cancellable: a cancellation during the create call must still learn the id, so it can cancel the interaction.
  const { interactionId } = await CancellationScope.nonCancellable(() => startBackgroundInteraction(request));
  const { event, resolvedBy } = await cancelJobOnCancellation(
    () => events.waitFor({ kind: 'interaction', id: interactionId }, { until: done, ...wait }),
    () => cancelInteraction(interactionId),
  );
  if (!done.includes(event.type)) throw jobEnded(what, event.type, event.data);
  return { interactionId, event, resolvedBy };
}
