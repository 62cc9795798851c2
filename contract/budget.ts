import type { Duration } from '@temporalio/common';
import { z } from 'zod';
import type { PriceTable } from './prices';
import { defineTool } from './tools';

/**
 * A pipeline's budget: once it has used this many tokens, or this much estimated cost, it starts no new Gemini job
 * until a person allows more (`onExceeded: 'ask'`), or it fails (`'fail'`, the default). Jobs already running finish.
 */
export interface Budget {
  /** Gemini's `total_tokens` summed over the pipeline's jobs. */
  maxTokens?: number;
  /** Estimated US dollars, by the price table (`prices`, else the worker's: GEMINIFLOW_PRICES or the default). */
  maxCostUsd?: number;
  /** `ask`: a person decides (approve: the proposed higher limit; edit: other limits; deny: stop); `fail`: stop. */
  onExceeded?: 'ask' | 'fail';
  /** How long a person has to decide; no decision in time stops the pipeline. Default 1 day. */
  approvalTimeout?: Duration;
  /** Prices for `maxCostUsd`. Filled in once by the run that starts with the budget, then passed down. */
  prices?: PriceTable;
  /** Set by geminiflow when it hands the budget to a child: what the pipeline had used when the child started. */
  spent?: BudgetSpent;
}

export interface BudgetSpent {
  tokens: number;
  costUsd: number;
}

/**
 * A budget that is reached asks a person through the approvals every run has: a pending call of this pseudo-tool,
 * listed, notified, decided and audited like a tool call (CLI `geminiflow approve|deny`, the console). Its arguments
 * are the proposed new limits: approve takes them, edit sets others, deny stops the pipeline.
 */
export const budgetToolName = 'geminiflow_budget';

export const budgetLimitsSchema = z
  .object({
    maxTokens: z.number().int().positive().optional().describe('the new token limit of the pipeline'),
    maxCostUsd: z.number().positive().optional().describe('the new estimated-cost limit, in US dollars'),
  })
  .refine((l) => l.maxTokens !== undefined || l.maxCostUsd !== undefined, 'name maxTokens or maxCostUsd (or both)');

export function budgetToolSpec(approvalTimeout: Duration) {
  return defineTool({
    name: budgetToolName,
    description: 'The pipeline reached its budget: continue with higher limits, or stop.',
    schema: budgetLimitsSchema,
    policy: 'approval',
    decisions: ['approve', 'edit', 'deny'],
    approvalTimeout,
    onTimeout: 'deny',
  });
}
