import type { TokenUsage } from './usage';

/**
 * What workflows hand to geminiflow's activities and get back: plain data, so it is safe in workflow code and in
 * history. The activities (activities/) implement these shapes; the workflows only see them.
 */

/** A background interaction a workflow starts: an agent (Deep Research) or a model (video). */
export interface BackgroundInteractionRequest {
  agent?: string;
  model?: string;
  input: string;
  agent_config?: Record<string, unknown>;
  generation_config?: Record<string, unknown>;
  response_format?: Record<string, unknown>;
  tools?: Record<string, unknown>[];
  system_instruction?: string;
}

export interface StartedInteraction {
  interactionId: string;
  status: string;
}

export interface ReportSource {
  title?: string;
  url: string;
}

export interface DeepResearchReport {
  interactionId: string;
  agent?: string;
  status: string;
  /** The report as the agent wrote it (markdown). */
  markdown: string;
  /** Cited sources, deduplicated by URL, in order of first citation. */
  sources: ReportSource[];
  /** The tokens Gemini reports for the interaction. */
  usage?: TokenUsage;
}

export interface DownloadedVideo {
  interactionId: string;
  /** The Files API name of the video. */
  file: string;
  /** Where the worker saved it. */
  path: string;
  sizeBytes: number;
  mimeType: string;
  /** The tokens Gemini reports for the interaction that made it. */
  usage?: TokenUsage;
}

/** One prompt of a batch: its key (unique in the batch) and its text. */
export interface BatchPrompt {
  key: string;
  text: string;
}

/**
 * Where a batch's prompts come from. Only `inline` puts the prompts themselves into workflow history (twice: the
 * workflow input and the upload activity's input), so it is for small batches; the other kinds stay a few bytes however
 * many prompts they stand for.
 */
export type PromptSource =
  | { kind: 'inline'; prompts: BatchPrompt[] }
  /** A JSONL file on the worker's disk: `{"key","text"}` lines, or `{"key","request":{GenerateContentRequest}}`. */
  | { kind: 'file'; path: string }
  /** `count` prompts `template` with `{i}` replaced by 0…count-1, keyed `${keyPrefix ?? 'item-'}${i}`. */
  | { kind: 'template'; template: string; count: number; keyPrefix?: string }
  /** Prompts `start` … `start + count - 1` of another source: one Batch job's share of a larger set (fanOutPrompts). */
  | { kind: 'slice'; of: PromptSource; start: number; count: number };

export interface BatchRequestOptions {
  systemInstruction?: string;
  generationConfig?: Record<string, unknown>;
}

export interface UploadedBatchInput {
  file: string;
  count: number;
  sizeBytes: number;
}

export interface CreatedBatch {
  batchName: string;
  state: string;
}

export interface BatchItemError {
  code?: number | string;
  status?: string;
  message: string;
}

export type BatchItemResult = { ok: true; text: string; finishReason?: string } | { ok: false; error: BatchItemError };

export interface CollectedBatchResults {
  /** The output file (for an inline batch, the batch's name: its responses are in it). */
  outputFile: string;
  counts: { total: number; succeeded: number; failed: number };
  /** Every key's result (failures included) when they fit in `inlineResultLimitBytes`; otherwise empty. */
  results: Record<string, BatchItemResult>;
  resultsComplete: boolean;
  /** Failed keys with their errors (at most 1000), also when `results` was left out. */
  failures: Record<string, BatchItemError>;
  failuresListed: number;
  /** The `usageMetadata` of every response in the output, summed. */
  usage?: TokenUsage;
}

/** Gemini's flat function tool (Interactions API). */
export interface FunctionTool {
  type: 'function';
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

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
  /** The tokens Gemini reports for this interaction, once it has stopped running. */
  usage?: TokenUsage;
}

export interface RunToolRequest {
  tool: string;
  arguments: Record<string, unknown>;
  /** The function call this run answers; with the interaction id it makes the idempotency key. */
  callId: string;
  interactionId: string;
}

export interface ToolOutcome {
  result: unknown;
  isError: boolean;
}
