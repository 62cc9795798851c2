import { randomUUID } from 'node:crypto';
import type { GeminiResourceRef } from '../../contract';
import { type GeminiEvent, geminiEventTypes } from '../../contract';
import type { WaitOptions } from '../../workflows/wait-for-gemini-event';

/** An event as the receiver signals it for one fresh delivery (its own webhook-id). */
export function geminiEvent(resourceId: string, overrides: Partial<GeminiEvent> = {}): GeminiEvent {
  return {
    webhookId: `msg_${randomUUID()}`,
    type: 'interaction.completed',
    resourceId,
    timestamp: '2026-11-22T10:00:00Z',
    data: { id: resourceId },
    via: 'webhook',
    ...overrides,
  };
}

/**
 * No backstop status read within a test: for tests about webhook events alone, and for workers that do not host the
 * reconcile activity.
 */
export const noReconcile = { reconcileAfter: '1 hour' } as const satisfies WaitOptions;

/**
 * waitForGeminiJob's arguments to take the first event of any type about a resource (named as Gemini names it:
 * `batches/…`, else an interaction), from webhooks only: for tests about delivery and routing, not about job states.
 */
export function webhookWait(resourceId: string): [GeminiResourceRef, WaitOptions] {
  const kind = resourceId.startsWith('batches/') ? 'batch' : 'interaction';
  return [
    { kind, id: resourceId },
    { until: [...geminiEventTypes], ...noReconcile },
  ];
}
