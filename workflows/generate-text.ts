import { type Budget, defaultTextModel, type GeminiUsage } from '../contract';
import { getAgentInteraction } from './activities';
import { runBackgroundInteraction } from './background-interaction';
import { badInput } from './job-failures';
import { trackGeminiUsage } from './usage';
import { listenForGeminiEvents, type ResolvedWait, type WaitSettings } from './wait-for-gemini-event';

export interface TextInput {
  prompt: string;
  /** Default: defaultTextModel (gemini-flash-latest). */
  model?: string;
  systemInstruction?: string;
  generationConfig?: Record<string, unknown>;
  /** The reconciliation backstop (defaults: 2 minutes growing to 30). */
  wait?: WaitSettings;
  /** The pipeline's budget, checked before the interaction starts (a parent or fan-out passes it down). */
  budget?: Budget;
}

export interface TextResult {
  interactionId: string;
  text: string;
  resolvedBy: ResolvedWait['resolvedBy'];
  /** The run's usage (its one job), for a parent to add to its own (absent in runs of older versions). */
  geminiUsage?: GeminiUsage;
}

/**
 * One prompt as a background model interaction, waited for by webhook: the per-request job of a prompt fan-out, and a
 * building block for any "one answer per item" stage.
 */
export async function generateText(input: TextInput): Promise<TextResult> {
  const events = listenForGeminiEvents();
  if (!input.prompt?.trim()) throw badInput('a prompt is required');
  const usage = trackGeminiUsage(input.budget);
  const model = input.model ?? defaultTextModel;

  const { interactionId, resolvedBy } = await runBackgroundInteraction(
    events,
    {
      model,
      input: input.prompt,
      ...(input.systemInstruction ? { system_instruction: input.systemInstruction } : {}),
      ...(input.generationConfig ? { generation_config: input.generationConfig } : {}),
    },
    { done: ['interaction.completed'], what: 'text generation', wait: input.wait ?? {}, usage },
  );

  const answer = await getAgentInteraction(interactionId);
  usage.recordJob(model, answer.usage);
  return { interactionId, text: answer.outputText, resolvedBy, geminiUsage: usage.report() };
}
