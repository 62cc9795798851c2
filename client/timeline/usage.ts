import { field } from './payloads';

/**
 * Tokens as the timeline shows them: Gemini's total and its parts, named as geminiflow records usage (`TokenUsage`).
 * Jobs carry what their activities' results report (`usage`); runs what they published in their `geminiUsage` memo.
 */
export interface TimelineTokens {
  totalTokens: number;
  inputTokens?: number;
  outputTokens?: number;
  thoughtTokens?: number;
}

const partKeys = ['inputTokens', 'outputTokens', 'thoughtTokens'] as const;

const count = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.round(v) : undefined;

function tokensOf(value: unknown): TimelineTokens | undefined {
  const total = count(field(value, 'totalTokens'));
  if (total === undefined) return undefined;
  const tokens: TimelineTokens = { totalTokens: total };
  for (const key of partKeys) {
    const n = count(field(value, key));
    if (n) tokens[key] = n;
  }
  return tokens;
}

/** The tokens an activity's result reports for its job (`usage`), when it reports any. */
export function tokensOfResult(result: unknown): TimelineTokens | undefined {
  return tokensOf(field(result, 'usage'));
}

/** The memo key under which a run publishes its usage, its own jobs' and its children's summed (`total`). */
export const usageMemoKey = 'geminiUsage';

export function tokensOfUsageMemo(value: unknown): TimelineTokens | undefined {
  return tokensOf(field(value, 'total'));
}

export function addTokens(a: TimelineTokens | undefined, b: TimelineTokens | undefined): TimelineTokens | undefined {
  if (!a || !b) return a ?? b;
  const tokens: TimelineTokens = { totalTokens: a.totalTokens + b.totalTokens };
  for (const key of partKeys) {
    const n = (a[key] ?? 0) + (b[key] ?? 0);
    if (n) tokens[key] = n;
  }
  return tokens;
}

/** `12,345 tokens (in 10,000, out 2,345)`. */
export function describeTokens(t: TimelineTokens): string {
  const n = (v: number) => String(v).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const parts = [
    t.inputTokens !== undefined ? `in ${n(t.inputTokens)}` : '',
    t.outputTokens !== undefined ? `out ${n(t.outputTokens)}` : '',
    t.thoughtTokens ? `thought ${n(t.thoughtTokens)}` : '',
  ].filter(Boolean);
  return `${n(t.totalTokens)} tokens${parts.length ? ` (${parts.join(', ')})` : ''}`;
}
