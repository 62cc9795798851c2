import type { BudgetLimits, GeminiUsage, PriceTable } from '../../contract';

/** What one run hands to the next about its budget when it continues as new. */
export interface BudgetCarry {
  limits: BudgetLimits;
  raised: number;
  asks: number;
  prices?: PriceTable;
}

/** What a run hands to the next about its usage and budget when it continues as new. */
export interface GeminiUsageCarry {
  usage: GeminiUsage;
  budget?: BudgetCarry;
}
