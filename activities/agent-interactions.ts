import type { Interactions } from '@google/genai';
import { Context } from '@temporalio/activity';
import type { FunctionTool } from '../workflows/tools';
import { callGemini, currentWorkflowId, geminiClient, webhookConfigFor } from './gemini-client';

/** A function call the model made and is waiting on. */
export interface FunctionCall {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

/** The answer to one function call, as the workflow decided it. */
export interface FunctionResult {
  callId: string;
  name: string;
  result: unknown;
  isError: boolean;
}

export interface AgentTurnRequest {
  model: string;
  /** A user message, or the answers to the previous interaction's function calls. */
  input: { text: string } | { functionResults: FunctionResult[] };
  tools: FunctionTool[];
  systemInstruction?: string;
  previousInteractionId?: string;
}

/** What the workflow needs to know about an interaction: its state, the calls it waits on, its answer. */
export interface AgentInteraction {
  id: string;
  status: string;
  functionCalls: FunctionCall[];
  /** The model's text after the last input, when it has answered. */
  outputText: string;
  error?: string;
}

/**
 * Starts the next model interaction of an agent in the background, routed back to this workflow by webhook_config.
 * Creation is not idempotent upstream, so the new id is heartbeated at once and a retry after a crash reads that
 * interaction instead of creating a second one.
 */
export async function createAgentInteraction(request: AgentTurnRequest): Promise<AgentInteraction> {
  const ctx = Context.current();
  const ai = geminiClient();
  const prior = ctx.info.heartbeatDetails as { interactionId?: string } | undefined;
  if (prior?.interactionId) return getAgentInteraction(prior.interactionId);

  const input =
    'text' in request.input
      ? request.input.text
      : request.input.functionResults.map((r) => ({
          type: 'function_result' as const,
          call_id: r.callId,
          name: r.name,
          result: toResultPayload(r.result),
          ...(r.isError ? { is_error: true } : {}),
        }));
  const created = await callGemini(() =>
    ai.interactions.create({
      model: request.model,
      input,
      tools: request.tools,
      ...(request.systemInstruction ? { system_instruction: request.systemInstruction } : {}),
      ...(request.previousInteractionId ? { previous_interaction_id: request.previousInteractionId } : {}),
      background: true,
      webhook_config: webhookConfigFor(currentWorkflowId()),
    } as Interactions.InteractionCreateParams.CreateModelInteractionParamsNonStreaming),
  );
  ctx.heartbeat({ interactionId: created.id });
  return summarise(created);
}

export async function getAgentInteraction(interactionId: string): Promise<AgentInteraction> {
  const interaction = await callGemini(() => geminiClient().interactions.get(interactionId));
  return summarise(interaction);
}

type Step = {
  type: string;
  id?: string;
  call_id?: string;
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
  return { id: interaction.id, status: interaction.status, functionCalls, outputText, ...(error ? { error } : {}) };
}

/** Gemini takes a string, an object or content blocks as a function result; anything else travels as JSON text. */
function toResultPayload(result: unknown): string | Record<string, unknown> {
  if (typeof result === 'string') return result;
  if (result !== null && typeof result === 'object' && !Array.isArray(result)) return result as Record<string, unknown>;
  return JSON.stringify(result ?? null);
}
