import type { Interactions } from '@google/genai';
import { type AgentInteraction, type AgentTurnRequest, type FunctionResult, isRunningStatus } from '../contract';
import { createOnce } from './create-once';
import type { GeminiContext } from './gemini-client';
import { usageOf } from './interaction-output';

export function createAgentActivities({ ai, webhookConfig, traced }: GeminiContext) {
  const getAgentInteraction = async (interactionId: string): Promise<AgentInteraction> =>
    summarise(await traced({ action: 'read', job: 'interaction' }, () => ai.interactions.get(interactionId)));

  return {
    /** Starts the next model interaction of an agent in the background, routed back to this workflow. */
    async createAgentInteraction(request: AgentTurnRequest): Promise<AgentInteraction> {
      const input = 'text' in request.input ? request.input.text : request.input.functionResults.map(functionResult);
      return createOnce(
        'interactionId',
        async () => {
          const call = {
            action: 'create',
            operation: 'chat',
            job: 'interaction',
            model: request.model,
            input,
            systemInstruction: request.systemInstruction,
          } as const;
          const created = await traced(call, () =>
            ai.interactions.create({
              model: request.model,
              input,
              tools: request.tools,
              ...(request.systemInstruction ? { system_instruction: request.systemInstruction } : {}),
              ...(request.previousInteractionId ? { previous_interaction_id: request.previousInteractionId } : {}),
              background: true,
              webhook_config: webhookConfig('interaction'),
            } as Interactions.InteractionCreateParams.CreateModelInteractionParamsNonStreaming),
          );
          return { id: created.id, result: summarise(created) };
        },
        getAgentInteraction,
      );
    },
    getAgentInteraction,
  };
}

function functionResult(r: FunctionResult) {
  return {
    type: 'function_result' as const,
    call_id: r.callId,
    name: r.name,
    result: toResultPayload(r.result),
    ...(r.isError ? { is_error: true } : {}),
  };
}

type Step = {
  type: string;
  id?: string;
  name?: string;
  arguments?: Record<string, unknown>;
  content?: { type?: string; text?: string }[];
  error?: { message?: string };
};

function summarise(interaction: {
  id: string;
  status: string;
  steps?: unknown[];
  errors?: unknown[];
  usage?: unknown;
}): AgentInteraction {
  const steps = (interaction.steps ?? []) as Step[];
  // Only what follows the latest input answers it; `get` returns the whole timeline.
  let start = 0;
  steps.forEach((s, i) => {
    if (s.type === 'user_input' || s.type === 'function_result') start = i + 1;
  });
  const latest = steps.slice(start);
  const functionCalls = latest
    .filter((s) => s.type === 'function_call' && s.id && s.name)
    .map((s) => ({ id: s.id!, name: s.name!, arguments: s.arguments ?? {} }));
  const outputText = latest
    .filter((s) => s.type === 'model_output')
    .flatMap((s) => s.content ?? [])
    .filter((c) => c.type === 'text' && typeof c.text === 'string')
    .map((c) => c.text)
    .join('');
  const errors = (interaction.errors ?? []) as { message?: string }[];
  const error = errors[0]?.message ?? latest.find((s) => s.error?.message)?.error?.message;
  // A running interaction's usage is not final; only a stopped one's counts.
  const usage = isRunningStatus(interaction.status ?? '') ? undefined : usageOf(interaction);
  return {
    id: interaction.id,
    status: interaction.status,
    functionCalls,
    outputText,
    ...(error ? { error } : {}),
    ...(usage ? { usage } : {}),
  };
}

/** Gemini takes a string, an object or content blocks as a function result; anything else travels as JSON text. */
function toResultPayload(result: unknown): string | Record<string, unknown> {
  if (typeof result === 'string') return result;
  if (result !== null && typeof result === 'object' && !Array.isArray(result)) return result as Record<string, unknown>;
  return JSON.stringify(result ?? null);
}
