import { workflowInfo } from '@temporalio/workflow';

/** Temporal stops a run at 51,200 events and warns at 10,240; a run stops starting children to end below this. */
const maxRunEvents = 9_500;
/** The most events one child in flight can still add: started, closed, and a workflow task for each. */
const eventsPerChild = 9;
/** Room for the rest: progress updates, rate-limit signals, storing results and continuing as new. */
const reserveEvents = 300;
/** Child results land in history too; a run ends well before Temporal's 50 MB. */
const maxRunHistoryBytes = 20 * 1024 * 1024;

/**
 * Whether `events` more fit in this run's history on top of what the children in flight may still add and the
 * reserve, so the run still ends below `maxRunEvents`.
 */
export function roomForEvents(inFlight: number, events: number): boolean {
  const { historyLength, historySize, continueAsNewSuggested } = workflowInfo();
  if (continueAsNewSuggested || historySize > maxRunHistoryBytes) return false;
  return historyLength + inFlight * eventsPerChild + events + reserveEvents <= maxRunEvents;
}

/** Whether one more child fits in this run's history, counting what the children in flight may still add. */
export function roomForChild(inFlight: number): boolean {
  return roomForEvents(inFlight, eventsPerChild);
}
