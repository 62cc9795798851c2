import { CancellationScope, patched } from '@temporalio/workflow';
import type { BackgroundInteractionRequest, GeminiEvent, GeminiEventType } from '../contract';
import { cancelInteraction, getAgentInteraction, startBackgroundInteraction } from './activities';
import { cancelJobOnCancellation } from './cancel-job-on-cancellation';
import { isStoppedShort, jobEnded, stoppedShort } from './job-failures';
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
 * Starts a background interaction (once the run's budget allows it) and waits until it is done. A cancelled
 * workflow cancels the interaction too; any other end fails, typed (GeminiflowFailure): failed or cancelled outside
 * the workflow with Gemini's reason, stopped short (`incomplete`, `budget_exceeded`) with the partial output and
 * usage, stalled, or a status it does not know.
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
  if (!done.includes(event.type)) {
    const status = event.type.slice('interaction.'.length);
    // Reading what a stopped interaction kept is a step runs on older code never took.
    if (isStoppedShort(status) && patched('interaction-stopped-short')) {
      const stopped = await getAgentInteraction(interactionId);
      if (isStoppedShort(stopped.status)) throw stoppedShort(what, { ...stopped, status: stopped.status });
    }
    throw jobEnded(what, event.type, event.data);
  }
  return { interactionId, event, resolvedBy };
}
