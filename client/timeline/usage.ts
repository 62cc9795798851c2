import {
  addTokens,
  type CostEstimate,
  describeUsd,
  estimateCost,
  formatCount,
  geminiUsageMemoKey,
  type ModelUsage,
  noModelUsage,
  type PriceTable,
  readGeminiUsage,
  type TokenUsage,
} from '../../contract';
import { field } from './payloads';

/**
 * Gemini usage on the timeline: a job's (what its activities' results report), or a run's (what it published in its
 * `geminiUsage` memo, its children's included; else its rows' summed), by model, with an estimated cost.
 */
export interface TimelineUsage {
  total: ModelUsage;
  /** By model or agent (batch jobs as `batch:<model>`, billed at the batch price). */
  byModel: Record<string, ModelUsage>;
  /** An estimate by the price table the timeline was read with (RunTimeline's `pricesOf`). */
  cost: CostEstimate;
}

/** Usage without its cost yet: the cost is estimated once the timeline is whole. */
export type UsageCounts = Omit<TimelineUsage, 'cost'>;

/** The tokens an activity's result reports for its job (`usage`, a TokenUsage), priced as `model`. */
export function jobUsage(result: unknown, model: string): UsageCounts | undefined {
  const usage = field(result, 'usage');
  if (typeof field(usage, 'totalTokens') !== 'number') return undefined;
  const tokens = addTokens({ ...noModelUsage(), jobs: 1 }, usage as TokenUsage);
  return { total: tokens, byModel: { [model]: { ...tokens } } };
}

/** What a run published in its memo. */
export function publishedUsage(memo: { key: string; value: unknown }): UsageCounts | undefined {
  if (memo.key !== geminiUsageMemoKey) return undefined;
  const usage = readGeminiUsage(memo.value);
  return usage && { total: usage.total, byModel: usage.byModel };
}

export function sumUsage(a: UsageCounts | undefined, b: UsageCounts | undefined): UsageCounts | undefined {
  if (!a || !b) return a ?? b;
  const byModel: Record<string, ModelUsage> = {};
  for (const part of [a.byModel, b.byModel]) {
    for (const [model, u] of Object.entries(part)) {
      const into = (byModel[model] ??= noModelUsage());
      addTokens(into, u).jobs += u.jobs;
    }
  }
  const total = addTokens(addTokens({ ...noModelUsage(), jobs: a.total.jobs + b.total.jobs }, a.total), b.total);
  return { total, byModel };
}

export function withCost(usage: UsageCounts, prices: PriceTable): TimelineUsage {
  return { ...usage, cost: estimateCost(usage.byModel, prices) };
}

/** `1,477 tokens, ~$0.0123 est.` (and the models without a price, whose cost is not in it). */
export function describeUsage(u: TimelineUsage): string {
  const unpriced = u.cost.unpriced.length ? ` + unpriced ${u.cost.unpriced.join(', ')}` : '';
  const priced = Object.keys(u.cost.byModel).length ? `, ~${describeUsd(u.cost.usd)} est.` : '';
  return `${formatCount(u.total.totalTokens)} tokens${priced}${unpriced}`;
}

/** `in 3, out 69`: a job's tokens by kind. */
export function describeTokenKinds(t: TokenUsage): string {
  const kinds: [string, number][] = [
    ['in', t.inputTokens],
    ['out', t.outputTokens],
    ['thought', t.thoughtTokens],
    ['cached', t.cachedTokens],
    ['tool use', t.toolUseTokens],
  ];
  return kinds
    .filter(([name, n]) => n > 0 || name === 'in' || name === 'out')
    .map(([name, n]) => `${name} ${formatCount(n)}`)
    .join(', ');
}
