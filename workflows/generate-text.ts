import { defaultTextModel } from '../contract';
import { getAgentInteraction } from './activities';
import { runBackgroundInteraction } from './background-interaction';
import { badInput } from './job-failures';
import { listenForGeminiEvents, type ResolvedWait, type WaitSettings } from './wait-for-gemini-event';

export interface TextInput {
  prompt: string;
  /** Default: defaultTextModel (gemini-flash-latest). */
  model?: string;
  systemInstruction?: string;
  generationConfig?: Record<string, unknown>;
  /** The reconciliation backstop (defaults: 2 minutes growing to 30). */
  wait?: WaitSettings;
}

export interface TextResult {
  interactionId: string;
  text: string;
  resolvedBy: ResolvedWait['resolvedBy'];
}

/**
 * One prompt as a background model interaction, waited for by webhook: the per-request job of a prompt fan-out, and a
 * building block for any "one answer per item" stage.
 */
export async function generateText(input: TextInput): Promise<TextResult> {
  const events = listenForGeminiEvents();
  if (!input.prompt?.trim()) throw badInput('a prompt is required');

  const { interactionId, resolvedBy } = await runBackgroundInteraction(
    events,
    {
      model: input.model ?? defaultTextModel,
      input: input.prompt,
      ...(input.systemInstruction ? { system_instruction: input.systemInstruction } : {}),
      ...(input.generationConfig ? { generation_config: input.generationConfig } : {}),
    },
    { done: ['interaction.completed'], what: 'text generation', wait: input.wait ?? {} },
  );

  const answer = await getAgentInteraction(interactionId);
  return { interactionId, text: answer.outputText, resolvedBy };
}
