import { setHandler } from '@temporalio/workflow';
import { type GeminiEvent, GeminiEventInbox, geminiEventSignal } from './gemini-event';

/**
 * The smallest durable pipeline: wait for one Gemini event about a resource and return it. It is the core primitive
 * every other workflow is built on, and the foundation demo.
 */
export async function awaitGeminiEvent(resourceId: string): Promise<GeminiEvent> {
  const inbox = new GeminiEventInbox();
  setHandler(geminiEventSignal, (event) => void inbox.add(event));

  return (await inbox.next(resourceId))!;
}
