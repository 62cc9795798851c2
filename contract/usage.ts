import { defineQuery } from '@temporalio/workflow';

/*
 * Token usage as Gemini reports it, and as geminiflow records it per run and sums it per pipeline. Plain data: it
 * travels in activity results, workflow results, a query and a memo.
 */

/**
 * The `usage` object of an interaction, with the fields geminiflow reads, as Gemini documents them (SDK 3.6's
 * `Usage`; 3.1 has the same fields). Continuation hops are summed into it by the SDK.
 */
export interface InteractionUsage {
  total_input_tokens?: number;
  total_output_tokens?: number;
  total_thought_tokens?: number;
  total_cached_tokens?: number;
  total_tool_use_tokens?: number;
  total_tokens?: number;
}

/** The `usageMetadata` of a GenerateContentResponse (each response of a batch's output, inline or JSONL). */
export interface UsageMetadata {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  thoughtsTokenCount?: number;
  cachedContentTokenCount?: number;
  toolUsePromptTokenCount?: number;
  totalTokenCount?: number;
}

/**
 * Tokens of one job or of many, summed. `cachedTokens` are part of `inputTokens` (Gemini counts the cached part of the
 * prompt in both); `totalTokens` is Gemini's own total (input + output + thought + tool use).
 */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  thoughtTokens: number;
  cachedTokens: number;
  toolUseTokens: number;
  totalTokens: number;
}

/** Tokens of the jobs of one model or agent, and how many jobs reported them. */
export interface ModelUsage extends TokenUsage {
  jobs: number;
}

/** A budget's limits: Gemini's `total_tokens`, and the estimated cost in US dollars. */
export type BudgetLimits = {
  maxTokens?: number;
  maxCostUsd?: number;
};

export type BudgetState = 'within' | 'reached' | 'waiting_for_approval' | 'stopped';

/** A budget as a run shows it (in its `geminiUsage` query and memo, and in its result's `geminiUsage`). */
export interface BudgetView {
  /** The limits now: a person's approval raises them, and a parent takes a child's raise as its own. */
  limits: BudgetLimits;
  /** What counts against them: the pipeline's spending before this run started, plus this run's and its children's. */
  spent: { tokens: number; costUsd?: number };
  onExceeded: 'ask' | 'fail';
  state: BudgetState;
  /** How often a person raised it in this run. */
  raised: number;
  /** The date of the price table cost is estimated with. */
  pricesOf?: string;
}

/** What one run used: its own jobs, and its children's as their results reported them. */
export interface GeminiUsage {
  /** By model or agent (batch jobs as `batch:<model>`, billed at the batch price): this run's and its children's. */
  byModel: Record<string, ModelUsage>;
  /** The sum of `byModel`: the pipeline's usage as this run knows it. */
  total: ModelUsage;
  /** This run's own jobs only; the rest came from its children. */
  own: ModelUsage;
  /** Child runs whose usage is included. */
  children: number;
  /** The run's budget, when it has one. */
  budget?: BudgetView;
}

/** A run's usage: its own jobs, its children's, and its budget. */
export const geminiUsageQuery = defineQuery<GeminiUsage>('geminiUsage');
/** The memo key under which a run keeps its GeminiUsage, so lists of runs show it without a query per run. */
export const geminiUsageMemoKey = 'geminiUsage';

const tokenKeys = [
  'inputTokens',
  'outputTokens',
  'thoughtTokens',
  'cachedTokens',
  'toolUseTokens',
  'totalTokens',
] as const;

export function noTokens(): TokenUsage {
  return { inputTokens: 0, outputTokens: 0, thoughtTokens: 0, cachedTokens: 0, toolUseTokens: 0, totalTokens: 0 };
}

export function noModelUsage(): ModelUsage {
  return { ...noTokens(), jobs: 0 };
}

export function noGeminiUsage(): GeminiUsage {
  return { byModel: {}, total: noModelUsage(), own: noModelUsage(), children: 0 };
}

const count = (n: unknown): number => (typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.round(n) : 0);

/** Where each count is in Gemini's two shapes of usage. */
const interactionFields = {
  inputTokens: 'total_input_tokens',
  outputTokens: 'total_output_tokens',
  thoughtTokens: 'total_thought_tokens',
  cachedTokens: 'total_cached_tokens',
  toolUseTokens: 'total_tool_use_tokens',
  totalTokens: 'total_tokens',
} as const satisfies Record<keyof TokenUsage, keyof InteractionUsage>;
const metadataFields = {
  inputTokens: 'promptTokenCount',
  outputTokens: 'candidatesTokenCount',
  thoughtTokens: 'thoughtsTokenCount',
  cachedTokens: 'cachedContentTokenCount',
  toolUseTokens: 'toolUsePromptTokenCount',
  totalTokens: 'totalTokenCount',
} as const satisfies Record<keyof TokenUsage, keyof UsageMetadata>;

/** The counts of a usage object by a field map; a missing total is the sum of its parts. */
function tokensFrom(value: unknown, fields: Record<keyof TokenUsage, string>): TokenUsage | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  const t = noTokens();
  for (const k of tokenKeys) t[k] = count(v[fields[k]]);
  if (!t.totalTokens) t.totalTokens = t.inputTokens + t.outputTokens + t.thoughtTokens + t.toolUseTokens;
  return t;
}

/** An interaction's `usage` as TokenUsage. */
export function tokensOfInteraction(usage: InteractionUsage | undefined | null): TokenUsage | undefined {
  return tokensFrom(usage, interactionFields);
}

/** A GenerateContentResponse's `usageMetadata` as TokenUsage. */
export function tokensOfMetadata(meta: UsageMetadata | undefined | null): TokenUsage | undefined {
  return tokensFrom(meta, metadataFields);
}

export function addTokens<T extends TokenUsage>(into: T, more: TokenUsage): T {
  for (const k of tokenKeys) into[k] += count(more[k]);
  return into;
}

/** `models/gemini-2.5-flash` and `gemini-2.5-flash` are one model. */
export function modelKey(model: string): string {
  return model.replace(/^models\//, '');
}

/** Batch jobs are billed at the batch price: their usage is kept apart, as `batch:<model>`. */
export function batchModelKey(model: string): string {
  return `batch:${modelKey(model)}`;
}

/** 12345 as `12,345` (workflow-safe: no Intl). */
export function formatCount(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A short line for people, e.g. `12,345 tokens (in 10,000, out 2,000, thought 345) in 4 job(s)`. */
export function describeTokens(u: ModelUsage): string {
  const n = formatCount;
  const parts = [`in ${n(u.inputTokens)}`, `out ${n(u.outputTokens)}`];
  if (u.thoughtTokens) parts.push(`thought ${n(u.thoughtTokens)}`);
  if (u.cachedTokens) parts.push(`cached ${n(u.cachedTokens)}`);
  if (u.toolUseTokens) parts.push(`tool use ${n(u.toolUseTokens)}`);
  return `${n(u.totalTokens)} tokens (${parts.join(', ')}) in ${u.jobs} job(s)`;
}

/** A well-formed GeminiUsage from a memo or a child's result, or undefined (runs of older versions have none). */
export function readGeminiUsage(value: unknown): GeminiUsage | undefined {
  const v = value as Partial<GeminiUsage> | undefined;
  if (!v || typeof v !== 'object' || !v.byModel || typeof v.byModel !== 'object' || !v.total || !v.own)
    return undefined;
  const usage = noGeminiUsage();
  for (const [model, m] of Object.entries(v.byModel)) {
    usage.byModel[model] = addTokens({ ...noModelUsage(), jobs: count(m?.jobs) }, m ?? noTokens());
  }
  usage.total = addTokens({ ...noModelUsage(), jobs: count(v.total.jobs) }, v.total);
  usage.own = addTokens({ ...noModelUsage(), jobs: count(v.own.jobs) }, v.own);
  usage.children = count(v.children);
  if (v.budget && typeof v.budget === 'object') usage.budget = v.budget;
  return usage;
}
