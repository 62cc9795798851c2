import type { Client } from '@temporalio/client';
import { declareEnvNames } from '../common/env-names';
import { readJsonSetting } from '../common/json-setting';
import {
  type CostEstimate,
  defaultPriceTable,
  estimateCost,
  type GeminiUsage,
  geminiUsageMemoKey,
  geminiUsageQuery,
  mergePriceTable,
  type PriceTable,
  priceTableOverrideSchema,
  readGeminiUsage,
} from '../contract';

const [pricesVariable] = declareEnvNames(['GEMINIFLOW_PRICES']);

/** A run's usage with its estimated cost by a price table. */
export interface UsageWithCost extends GeminiUsage {
  /** An estimate: see the price table's date; models without a price are listed in `unpriced`. */
  cost: CostEstimate;
}

/**
 * The price table costs are estimated with: GEMINIFLOW_PRICES (inline JSON, or the path of a JSON file) on top of the
 * default table; its models replace or add to the default's.
 */
export function priceTableFromEnv(env: NodeJS.ProcessEnv = process.env): PriceTable {
  const override = readJsonSetting(env, pricesVariable, priceTableOverrideSchema);
  return override ? mergePriceTable(override) : defaultPriceTable;
}

export function withCost(usage: GeminiUsage, prices: PriceTable): UsageWithCost {
  return { ...usage, cost: estimateCost(usage.byModel, prices) };
}

/** The usage a run published in its memo (what lists show, without a query per run). */
export function usageFromMemo(
  memo: Record<string, unknown> | undefined,
  prices: PriceTable,
): UsageWithCost | undefined {
  const usage = readGeminiUsage(memo?.[geminiUsageMemoKey]);
  return usage ? withCost(usage, prices) : undefined;
}

/**
 * A run's usage now (its `geminiUsage` query, when a worker answers within `queryTimeoutMs`), else what it last
 * published (a run no worker answers for, or one of an older version).
 */
export async function runUsage(
  client: Client,
  workflowId: string,
  prices: PriceTable,
  queryTimeoutMs = 5000,
): Promise<UsageWithCost | undefined> {
  const handle = client.workflow.getHandle(workflowId);
  const live = await client
    .withDeadline(Date.now() + queryTimeoutMs, () => handle.query(geminiUsageQuery))
    .catch(() => undefined);
  if (live) return withCost(live, prices);
  const { memo } = await handle.describe();
  return usageFromMemo(memo, prices);
}
