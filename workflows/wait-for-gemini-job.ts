import type { GeminiResourceRef } from '../contract';
import { listenForGeminiEvents, type ResolvedWait, type WaitOptions } from './wait-for-gemini-event';

/**
 * Waits for one Gemini job that was started elsewhere (a script, another system) and returns how it ended. Start it
 * with the job's id; the receiver finds it through the GeminiResourceIds search attribute.
 */
export async function waitForGeminiJob(
  resource: GeminiResourceRef,
  options: WaitOptions & { wait?: WaitOptions } = {},
): Promise<ResolvedWait> {
  const events = listenForGeminiEvents();
  return events.waitFor(resource, { ...options, ...options.wait });
}
