import { condition, defineSignal } from '@temporalio/workflow';

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

export const geminiEventSignal = defineSignal<[GeminiEvent]>('geminiEvent');

/**
 * The events a workflow has received, kept from the moment its signal handler is set, so an event that arrives before
 * the workflow starts waiting is not lost and a redelivered one is seen once.
 */
export class GeminiEventInbox {
  private readonly seen = new Set<string>();
  private readonly pending: GeminiEvent[] = [];

  /** Accepts an event; returns false for a duplicate `webhook-id`. */
  add(event: GeminiEvent): boolean {
    if (this.seen.has(event.webhookId)) return false;
    this.seen.add(event.webhookId);
    this.pending.push(event);
    return true;
  }

  /** Removes and returns the first pending event about `resourceId` that `accept` takes. */
  take(resourceId: string, accept: (e: GeminiEvent) => boolean = () => true): GeminiEvent | undefined {
    const i = this.pending.findIndex((e) => e.resourceId === resourceId && accept(e));
    return i < 0 ? undefined : this.pending.splice(i, 1)[0];
  }

  /** Blocks until an event about `resourceId` is pending, or the timeout passes. */
  async next(
    resourceId: string,
    accept: (e: GeminiEvent) => boolean = () => true,
    timeout?: string | number,
  ): Promise<GeminiEvent | undefined> {
    let found: GeminiEvent | undefined;
    const ready = () => (found = this.take(resourceId, accept)) !== undefined;
    if (timeout === undefined) await condition(ready);
    else await condition(ready, timeout);
    return found;
  }

  get size(): number {
    return this.pending.length;
  }
}
