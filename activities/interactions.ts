import type { Interactions } from '@google/genai';
import { ApplicationFailure } from '@temporalio/common';
import {
  type BackgroundInteractionRequest,
  type DeepResearchReport,
  type GeminiEventType,
  GeminiflowFailure,
  type StartedInteraction,
} from '../contract';
import { createOnce } from './create-once';
import { callGemini, type GeminiContext, geminiFailure, isNotFound } from './gemini-client';
import { deepResearchReport, findVideoOutput } from './interaction-output';
import type { FoundState } from './reconcile';

export function createInteractionActivities({ ai, webhookConfig, traced }: GeminiContext) {
  const read = { action: 'read', job: 'interaction' } as const;
  return {
    /** Creates the interaction in the background, with the webhook config that routes its events to this workflow. */
    async startBackgroundInteraction(request: BackgroundInteractionRequest): Promise<StartedInteraction> {
      if (!request.agent === !request.model) {
        throw ApplicationFailure.nonRetryable('an interaction needs exactly one of `agent` or `model`', 'BadRequest');
      }
      return createOnce(
        'interactionId',
        async () => {
          const call = {
            action: 'create',
            operation: request.agent ? 'invoke_agent' : 'chat',
            job: 'interaction',
            model: request.model,
            agent: request.agent,
            input: request.input,
            systemInstruction: request.system_instruction,
          } as const;
          const created = await traced(call, () =>
            ai.interactions.create({
              ...request,
              background: true,
              // Background runs are read back later; store is the server default and harmless to send.
              store: true,
              webhook_config: webhookConfig('interaction'),
              stream: false,
            } as Interactions.InteractionCreateParams.InteractionCreateParamsNonStreaming),
          );
          return { id: created.id, result: { interactionId: created.id, status: created.status } };
        },
        async (interactionId: string) => {
          const existing = await traced(read, () => ai.interactions.get(interactionId));
          return { interactionId: existing.id, status: existing.status };
        },
      );
    },

    /** Cancels a running background interaction. Already finished or gone counts as done, so retries are harmless. */
    async cancelInteraction(interactionId: string): Promise<{ status: string }> {
      try {
        const cancelled = await ai.interactions.cancel(interactionId);
        return { status: cancelled.status };
      } catch (err) {
        if (isNotFound(err)) return { status: 'not_found' };
        const current = await callGemini(() => ai.interactions.get(interactionId));
        if (current.status !== 'in_progress' && current.status !== 'queued') return { status: current.status };
        throw geminiFailure(err);
      }
    },

    /** Reads the finished interaction and keeps what a pipeline needs from it: the text and its citations. */
    async fetchDeepResearchReport(interactionId: string): Promise<DeepResearchReport> {
      const interaction = await traced(read, () => ai.interactions.get(interactionId));
      if (interaction.status !== 'completed') {
        throw ApplicationFailure.nonRetryable(
          `interaction ${interactionId} is ${interaction.status}, not completed`,
          GeminiflowFailure.interactionNotCompleted,
        );
      }
      return deepResearchReport(interaction);
    },
  };
}

/** The reconciliation backstop's read of an interaction: the event its current state would have sent, or null. */
export async function readInteractionStatus(
  { ai, traced }: Pick<GeminiContext, 'ai' | 'traced'>,
  id: string,
  until: readonly GeminiEventType[],
): Promise<FoundState | null> {
  const interaction = await traced({ action: 'read', job: 'interaction' }, () => ai.interactions.get(id));
  const errors = (interaction.errors ?? []) as { code?: unknown; message?: string }[];
  const failed = (code: unknown, message: string): FoundState => ({
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
