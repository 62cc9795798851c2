import type { GeminiEvent, GeminiEventType, GeminiResourceRef } from '../common/contract';
import { callGemini, geminiClient } from './gemini-client';
import { findVideoOutput } from './interactions';

/**
 * The reconciliation backstop: reads a job's status once and, when the job has reached a state a webhook would have
 * announced, returns that event as if it had been delivered. Returns null while the job is still running.
 * `until` is what the waiting workflow wants; it decides whether a completed interaction reads as `video.generated`.
 */
export async function reconcileGeminiResource(
  resource: GeminiResourceRef,
  until: GeminiEventType[],
): Promise<GeminiEvent | null> {
  const found = resource.kind === 'batch' ? await batchState(resource.id) : await interactionState(resource.id, until);
  if (!found) return null;
  return {
    // Stable per state, so a repeated read of the same state is recognised as the same event.
    webhookId: `reconciliation:${resource.id}:${found.type}`,
    type: found.type,
    resourceId: resource.id,
    timestamp: new Date().toISOString(),
    data: { id: resource.id, ...found.data },
    via: 'reconciliation',
  };
}

type Found = { type: GeminiEventType; data: Record<string, unknown> } | null;

async function interactionState(id: string, until: GeminiEventType[]): Promise<Found> {
  const interaction = await callGemini(() => geminiClient().interactions.get(id));
  const errors = (interaction.errors ?? []) as { code?: unknown; message?: string }[];
  const failed = (code: unknown, message: string): Found => ({
    type: 'interaction.failed',
    data: { error_code: code, error_message: message },
  });
  switch (interaction.status) {
    case 'requires_action':
      return { type: 'interaction.requires_action', data: {} };
    case 'completed': {
      if (!until.includes('video.generated')) return { type: 'interaction.completed', data: {} };
      const video = findVideoOutput(interaction);
      if (!video) return failed('NO_VIDEO', 'the interaction completed without a video');
      return { type: 'video.generated', data: { output_file_uri: video.file, file_name: video.file } };
    }
    case 'failed':
      return failed(errors[0]?.code ?? 'FAILED', errors[0]?.message ?? 'the interaction failed');
    case 'cancelled':
      return { type: 'interaction.cancelled', data: {} };
    case 'incomplete':
    case 'budget_exceeded':
      return failed(interaction.status.toUpperCase(), `the interaction ended ${interaction.status}`);
    default:
      return null; // in_progress, queued, requires_continuation: still running
  }
}

async function batchState(name: string): Promise<Found> {
  const batchName = name.startsWith('batches/') ? name : `batches/${name}`;
  const batch = await callGemini(() => geminiClient().batches.get({ name: batchName }));
  // The SDK maps BATCH_STATE_* to JOB_STATE_*; either spelling is accepted.
  const state = String(batch.state ?? '').replace(/^(JOB|BATCH)_STATE_/, '');
  switch (state) {
    case 'SUCCEEDED':
      return { type: 'batch.succeeded', data: batch.dest?.fileName ? { output_file_uri: batch.dest.fileName } : {} };
    case 'FAILED':
      return {
        type: 'batch.failed',
        data: { error_code: batch.error?.code ?? 'FAILED', error_message: batch.error?.message ?? 'the batch failed' },
      };
    case 'EXPIRED':
      return { type: 'batch.expired', data: {} };
    case 'CANCELLED':
      return { type: 'batch.cancelled', data: {} };
    default:
      return null; // PENDING, RUNNING, QUEUED, CANCELLING, …
  }
}
