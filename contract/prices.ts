import { z } from 'zod';
import { type ModelUsage, modelKey } from './usage';

/**
 * What tokens cost, to estimate a run's cost from its usage. An estimate only: Gemini bills by its own price list,
 * which changes, has tiers (long prompts, priority service) and free allowances this table does not model.
 */

/** US dollars per million tokens of one model or agent. */
export interface ModelPrice {
  input: number;
  output: number;
  /** Thinking is billed as output unless said otherwise. */
  thought?: number;
  /** The cached part of the prompt; default the input price. */
  cached?: number;
  /** Tool-use prompt tokens (search results fed back to the model); default the input price. */
  toolUse?: number;
}

export interface PriceTable {
  /** When the prices were last checked against Google's price list (YYYY-MM-DD). */
  date: string;
  /** Where to check them. */
  source?: string;
  /** Batch jobs cost this fraction of the interactive price (`batch:<model>` usage), unless the table names them. */
  batchDiscount: number;
  /** By model or agent id; a key ending in `*` prices every id that starts with what comes before it. */
  models: Record<string, ModelPrice>;
}

const perMillion = z.number().finite().min(0);
const modelPriceSchema = z.strictObject({
  input: perMillion,
  output: perMillion,
  thought: perMillion.optional(),
  cached: perMillion.optional(),
  toolUse: perMillion.optional(),
});

/** A user's price table (GEMINIFLOW_PRICES): its models replace or add to the default's; the rest is optional. */
export const priceTableOverrideSchema = z.strictObject({
  date: z.string().min(1).optional(),
  source: z.string().optional(),
  batchDiscount: z.number().min(0).max(1).optional(),
  models: z.record(z.string().min(1), modelPriceSchema),
});
export type PriceTableOverride = z.infer<typeof priceTableOverrideSchema>;

/**
 * The default prices: Google's list prices per million text tokens (standard tier, prompts up to 200k tokens) as of
 * the table's date. `gemini-flash-latest` follows the current Flash model; Deep Research is billed by the tokens of
 * the Gemini Pro model it runs on. Video models (`gemini-omni-*`) have no default price: their usage shows, their cost
 * does not, until you add one.
 */
export const defaultPriceTable: PriceTable = {
  date: '2026-12-07',
  source: 'https://ai.google.dev/gemini-api/docs/pricing',
  batchDiscount: 0.5,
  models: {
    'gemini-2.5-flash-lite': { input: 0.1, output: 0.4, cached: 0.01 },
    'gemini-2.5-flash': { input: 0.3, output: 2.5, cached: 0.03 },
    'gemini-2.5-pro': { input: 1.25, output: 10, cached: 0.125 },
    'gemini-3-flash-preview': { input: 0.5, output: 3, cached: 0.05 },
    'gemini-flash-latest': { input: 0.5, output: 3, cached: 0.05 },
    'gemini-3-pro-preview': { input: 2, output: 12, cached: 0.2 },
    'gemini-3.1-pro-preview': { input: 2, output: 12, cached: 0.2 },
    'deep-research-*': { input: 2, output: 12, cached: 0.2 },
  },
};

/** The default table with a user's entries on top (theirs win, model by model). */
export function mergePriceTable(override: PriceTableOverride, base: PriceTable = defaultPriceTable): PriceTable {
  return {
    date: override.date ?? `${base.date} (with your prices)`,
    ...((override.source ?? base.source) ? { source: override.source ?? base.source } : {}),
    batchDiscount: override.batchDiscount ?? base.batchDiscount,
    models: { ...base.models, ...override.models },
  };
}

/** The price of a model (exact id first, then the longest `prefix*` that matches); batch usage at the batch price. */
export function priceOf(model: string, table: PriceTable): ModelPrice | undefined {
  const exact = (id: string) => table.models[id] ?? longestPrefix(id, table);
  if (model.startsWith('batch:')) {
    const own = table.models[model];
    if (own) return own;
    const interactive = exact(modelKey(model.slice('batch:'.length)));
    if (!interactive) return undefined;
    const f = table.batchDiscount;
    return {
      input: interactive.input * f,
      output: interactive.output * f,
      thought: (interactive.thought ?? interactive.output) * f,
      cached: (interactive.cached ?? interactive.input) * f,
      toolUse: (interactive.toolUse ?? interactive.input) * f,
    };
  }
  return exact(modelKey(model));
}

function longestPrefix(id: string, table: PriceTable): ModelPrice | undefined {
  let best: string | undefined;
  for (const key of Object.keys(table.models)) {
    if (!key.endsWith('*')) continue;
    const prefix = key.slice(0, -1);
    if (id.startsWith(prefix) && (best === undefined || prefix.length > best.length - 1)) best = key;
  }
  return best === undefined ? undefined : table.models[best];
}

/** What one model's tokens cost by a price: the uncached input, the cached input, tool use, output and thinking. */
export function costOfTokens(u: ModelUsage, p: ModelPrice): number {
  const cached = Math.min(u.cachedTokens, u.inputTokens);
  const usd =
    (u.inputTokens - cached) * p.input +
    cached * (p.cached ?? p.input) +
    u.toolUseTokens * (p.toolUse ?? p.input) +
    u.outputTokens * p.output +
    u.thoughtTokens * (p.thought ?? p.output);
  return usd / 1_000_000;
}

export interface CostEstimate {
  /** US dollars, an estimate from the price table. */
  usd: number;
  byModel: Record<string, number>;
  /** Models with usage but no price in the table: their cost is not in `usd`. */
  unpriced: string[];
  /** The price table's date. */
  pricesOf: string;
}

export function estimateCost(byModel: Record<string, ModelUsage>, table: PriceTable): CostEstimate {
  const estimate: CostEstimate = { usd: 0, byModel: {}, unpriced: [], pricesOf: table.date };
  for (const [model, usage] of Object.entries(byModel)) {
    const price = priceOf(model, table);
    if (!price) {
      if (usage.totalTokens > 0) estimate.unpriced.push(model);
      continue;
    }
    const usd = costOfTokens(usage, price);
    estimate.byModel[model] = usd;
    estimate.usd += usd;
  }
  return estimate;
}

/** Dollars for people: cents to four places below a dollar (token costs are small), two above. */
export function describeUsd(usd: number): string {
  return usd >= 1 ? `$${usd.toFixed(2)}` : `$${usd.toFixed(usd >= 0.01 ? 4 : 6)}`;
}
