import { defaultPriceTable, type PriceTable } from '../contract';
import type { GeminiflowConfig } from './config';

export function createPriceActivities(config: Pick<GeminiflowConfig, 'prices'>) {
  return {
    /**
     * The price table a budget in estimated cost is checked with: the worker's (GEMINIFLOW_PRICES on top of the
     * default), read once by the run that starts with the budget and passed down to its children with it.
     */
    async geminiPriceTable(): Promise<PriceTable> {
      return config.prices ?? defaultPriceTable;
    },
  };
}
