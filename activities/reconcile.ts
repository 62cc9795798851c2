import type { GeminiEvent, GeminiEventType, GeminiResourceKind, GeminiResourceRef } from '../contract';

/** A job state a webhook would have announced: its event type and `data`. */
export interface FoundState {
  type: GeminiEventType;
  data: Record<string, unknown>;
}

/** One status read per kind of job; null while the job is still running. */
export type StatusReader = (id: string, until: readonly GeminiEventType[]) => Promise<FoundState | null>;

/**
 * The reconciliation backstop: reads a job's status once and, when the job has reached a state a webhook would have
 * announced, returns that event as if it had been delivered. Returns null while the job is still running.
 * `until` is what the waiting workflow wants; it decides whether a completed interaction reads as `video.generated`.
 */
export function createReconcileActivities(readers: Record<GeminiResourceKind, StatusReader>) {
  return {
    async reconcileGeminiResource(resource: GeminiResourceRef, until: GeminiEventType[]): Promise<GeminiEvent | null> {
      const found = await readers[resource.kind](resource.id, until);
      return (
        found && {
          // Stable per state, so a repeated read of the same state is recognised as the same event.
          webhookId: `reconciliation:${resource.id}:${found.type}`,
          type: found.type,
          resourceId: resource.id,
          timestamp: new Date().toISOString(),
          data: { id: resource.id, ...found.data },
          via: 'reconciliation',
        }
      );
    },
  };
}
