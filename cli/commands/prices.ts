import type { Command } from 'commander';
import { priceTableFromEnv } from '../../client';
import { examples, jsonOption } from '../help';
import { print, printJson, printTable } from '../output';

/** `prices`: the price table costs are estimated with (the default, or GEMINIFLOW_PRICES on top of it). */
export function registerPrices(program: Command): void {
  examples(
    program
      .command('prices')
      .description('the price table estimated costs are computed with (GEMINIFLOW_PRICES on top of the default)')
      .addOption(jsonOption()),
    'geminiflow prices',
    'GEMINIFLOW_PRICES=prices.json geminiflow prices --json',
  ).action((o: { json?: boolean }) => {
    const table = priceTableFromEnv();
    if (o.json) return printJson(table);
    print(
      `prices of ${table.date}, US dollars per million tokens; an estimate${table.source ? ` (${table.source})` : ''}`,
    );
    print(`batch jobs: ${table.batchDiscount} of the price`);
    const n = (x: number | undefined) => (x === undefined ? '-' : String(x));
    printTable(
      ['MODEL', 'INPUT', 'OUTPUT', 'THOUGHT', 'CACHED', 'TOOL USE'],
      Object.entries(table.models).map(([model, p]) => [
        model,
        n(p.input),
        n(p.output),
        n(p.thought ?? p.output),
        n(p.cached ?? p.input),
        n(p.toolUse ?? p.input),
      ]),
    );
  });
}
