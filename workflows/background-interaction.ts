import { CancellationScope, proxyActivities } from '@temporalio/workflow';
import type * as interactions from '../activities/interactions';
import type { BackgroundInteractionRequest } from '../activities/interactions';
import { cancelJobOnCancellation } from './cancel-job-on-cancellation';
import type { GeminiEvent, GeminiEventType } from '../common/contract';
import { jobEnded } from './job-ended';
import type { GeminiEvents, ResolvedWait, WaitOptions } from './wait-for-gemini-event';

const { startBackgroundInteraction } = proxyActivities<typeof interactions>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 5 },
});
const { cancelInteraction } = proxyActivities<typeof interactions>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 10 },
});

export interface BackgroundInteractionWait extends Pick<WaitOptions, 'reconcileAfter' | 'reconcileMax'> {
  /** The event that means the interaction produced what the workflow wants. */
  until: GeminiEventType;
  /** Names the job in the failure when it ends any other way, e.g. 'Deep Research'. */
  what: string;
}

export interface FinishedInteraction {
  interactionId: string;
  event: GeminiEvent;
  resolvedBy: ResolvedWait['resolvedBy'];
}

/**
 * Starts a background interaction and waits for `until`. A cancelled workflow cancels the interaction too; any other
 * end (failed, cancelled outside the workflow) fails with Gemini's reason.
 */
export async function runBackgroundInteraction(
  events: GeminiEvents,
  request: BackgroundInteractionRequest,
  { until, what, reconcileAfter, reconcileMax }: BackgroundInteractionWait,
): Promise<FinishedInteraction> {
  // Not cancellable: a cancellation during the create call must still learn the id, so it can cancel the interaction.
  const { interactionId } = await CancellationScope.nonCancellable(() => startBackgroundInteraction(request));
  const { event, resolvedBy } = await cancelJobOnCancellation(
    () => events.waitFor({ kind: 'interaction', id: interactionId }, { until: [until], reconcileAfter, reconcileMax }),
    () => cancelInteraction(interactionId),
  );
  if (event.type !== until) throw jobEnded(what, event.type, event.data);
  return { interactionId, event, resolvedBy };
}
