/**
 * The usage the emulator reports, derived from text lengths so tests can assert exact sums (docs/emulator.md, "Usage"):
 * a token is a whitespace-separated word.
 */
export interface InteractionUsageInput {
  /** This interaction's new input: the user text, and each function result as JSON. */
  inputText: string;
  /** The usage of the interaction it continues (`previous_interaction_id`): its input and output are cached now. */
  previous?: Record<string, unknown>;
  /** What the model wrote: the answer, or the function calls as JSON. */
  outputText: string;
  /** Deep Research: it thinks as much as it writes, and reads search results for each source it cites. */
  research?: { sources: number };
  /** A video interaction: a fixed output of tokens per video. */
  video?: boolean;
}

/** Tokens of output a generated video reports. */
export const videoOutputTokens = 1000;
/** Tool-use tokens Deep Research reports per cited source (the search results it read). */
export const toolUseTokensPerSource = 50;

/** An interaction's `usage` object, shaped as Gemini's (SDK `Usage`). */
export function interactionUsage(u: InteractionUsageInput): Record<string, unknown> {
  const prev = u.previous ?? {};
  const cached = numberOf(prev.total_input_tokens) + numberOf(prev.total_output_tokens);
  const input = countTokens(u.inputText) + cached;
  const output = u.video ? videoOutputTokens : countTokens(u.outputText);
  const thought = u.research ? output : 0;
  const toolUse = u.research ? u.research.sources * toolUseTokensPerSource : 0;
  const byModality = (tokens: number, modality = 'text') => (tokens > 0 ? [{ modality, tokens }] : undefined);
  return dropUndefined({
    total_input_tokens: input,
    total_output_tokens: output,
    total_thought_tokens: thought,
    total_cached_tokens: cached,
    total_tool_use_tokens: toolUse,
    total_tokens: input + output + thought + toolUse,
    initial_input_tokens: input,
    input_tokens_by_modality: byModality(input),
    output_tokens_by_modality: byModality(output, u.video ? 'video' : 'text'),
    cached_tokens_by_modality: byModality(cached),
    tool_use_tokens_by_modality: byModality(toolUse),
    grounding_tool_count: u.research ? [{ type: 'google_search', count: u.research.sources }] : undefined,
  });
}

/** A GenerateContentResponse's `usageMetadata` (batches, models.generateContent), as the generateContent API has it. */
export function usageMetadata(promptText: string, replyText: string): Record<string, unknown> {
  const promptTokenCount = countTokens(promptText);
  const candidatesTokenCount = countTokens(replyText);
  return {
    promptTokenCount,
    candidatesTokenCount,
    totalTokenCount: promptTokenCount + candidatesTokenCount,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: promptTokenCount }],
    candidatesTokensDetails: [{ modality: 'TEXT', tokenCount: candidatesTokenCount }],
  };
}

/** The emulator's token: a whitespace-separated word. */
export function countTokens(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

function numberOf(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

function dropUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
