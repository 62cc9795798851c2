import { workflowInfo } from '@temporalio/workflow';
import type { GeminiEventsCarryOver } from '../wait-for-gemini-event';

/**
 * Every interaction id goes into the GeminiResourceIds search attribute, whose value Temporal caps (2 KB by default),
 * so a long conversation continues as new after this many and keeps only the latest ids in it.
 */
export const interactionsPerRun = 16;
const resourcesCarried = 4;
const deliveriesRemembered = 200;

/**
 * Between turns no interaction is in flight, so an event still in the inbox is a late copy about an earlier one: the
 * next run needs only the recent ids to recognise such copies, not the whole conversation's.
 */
export function recentResourcesOnly(carry: GeminiEventsCarryOver): GeminiEventsCarryOver {
  return {
    pending: [],
    seenWebhookIds: carry.seenWebhookIds.slice(-deliveriesRemembered),
    handled: carry.handled.slice(-deliveriesRemembered),
    trackedResources: carry.trackedResources.slice(-resourcesCarried),
  };
}

export function historyIsLarge(limit: number): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= limit;
}
