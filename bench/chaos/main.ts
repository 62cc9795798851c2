/**
 * `npm run chaos [-- --pipelines 50 --seed 7 --no-crashes --no-faults]`: research-brief pipelines through the whole
 * stack under SIGKILLs and delivery/API faults; prints a summary and exits non-zero on any loss.
 */
import { Command, Option } from 'commander';
import { runMain } from '../support/stack';
import { defaultRates, noFaults } from './faults';
import { printReport } from './report';
import { defaultChaosOptions, runChaos } from './run-chaos';

const program = new Command('chaos')
  .option('--pipelines <n>', 'pipelines to run', (v) => Number(v), defaultChaosOptions.pipelines)
  .option('--seed <n>', 'seed of the dice (faults and crashes)', (v) => Number(v), defaultChaosOptions.seed)
  .option('--no-crashes', 'kill nothing')
  .option('--no-faults', 'no delivery or API faults')
  .addOption(new Option('--timeout <minutes>', 'give up after').default(15).argParser(Number))
  .parse();

runMain(async () => {
  const o = program.opts<{ pipelines: number; seed: number; crashes: boolean; faults: boolean; timeout: number }>();
  process.stdout.write(`chaos: ${o.pipelines} pipelines, seed ${o.seed}\n`);
  const report = await runChaos({
    pipelines: o.pipelines,
    seed: o.seed,
    crash: o.crashes ? defaultChaosOptions.crash : [],
    rates: o.faults ? defaultRates : noFaults,
    timeoutMs: o.timeout * 60_000,
  });
  printReport(report);
  process.exit(report.ok ? 0 : 1);
});
