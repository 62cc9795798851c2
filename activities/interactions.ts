import type { Interactions } from '@google/genai';
import { ApplicationFailure } from '@temporalio/common';
import {
  type BackgroundInteractionRequest,
  type DeepResearchReport,
  eventTypeOfStatus,
  type GeminiEventType,
  GeminiflowFailure,
  isRunningStatus,
  type StartedInteraction,
} from '../contract';
import { createOnce } from './create-once';
import { callGemini, type GeminiContext, geminiFailure, isNotFound } from './gemini-client';
import { deepResearchReport, findVideoOutput, usageOf } from './interaction-output';
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
        if (!isRunningStatus(current.status)) return { status: current.status };
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

/**
 * The reconciliation backstop's read of an interaction: the event its current state would have sent, or null while it
 * runs. Every status of SDK 3.6 has its reading (contract/interaction-status.ts); any other ends the wait, named.
 */
export async function readInteractionStatus(
  { ai, traced }: Pick<GeminiContext, 'ai' | 'traced'>,
  id: string,
  until: readonly GeminiEventType[],
): Promise<FoundState | null> {
  const interaction = await traced({ action: 'read', job: 'interaction' }, () => ai.interactions.get(id));
  const status = String(interaction.status);
  const type = eventTypeOfStatus(status);
  const errors = (interaction.errors ?? []) as { code?: unknown; message?: string }[];
  const failed = (code: unknown, message: string): FoundState => ({
    type: 'interaction.failed',
    data: { error_code: code, error_message: message },
  });
  switch (type) {
    case null:
      return null;
    case 'interaction.completed': {
      if (!until.includes('video.generated')) return { type, data: {} };
      const video = findVideoOutput(interaction);
      if (!video) return failed('NO_VIDEO', 'the interaction completed without a video');
      return { type: 'video.generated', data: { output_file_uri: video.file, file_name: video.file } };
    }
    case 'interaction.failed':
      return failed(errors[0]?.code ?? 'FAILED', errors[0]?.message ?? 'the interaction failed');
    case 'interaction.requires_continuation': {
      // Gemini goes on by itself; the wait tells a stall from progress by the token.
      const token = (interaction as { continuation_token?: unknown }).continuation_token;
      return { type, data: { status, continuation_token: typeof token === 'string' ? token : null } };
    }
    case 'interaction.incomplete':
    case 'interaction.budget_exceeded':
    case 'interaction.unknown_status': {
      const usage = usageOf(interaction);
      return { type, data: { status, ...(usage ? { usage } : {}) } };
    }
    default:
      return { type, data: {} };
  }
}
