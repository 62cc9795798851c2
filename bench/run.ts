/**
 * `npm run bench [-- --quick] [part...]`: the parts (latency, worker, receiver, scale, calls, batch, fanout) and the
 * emulator's own delivery rate, one after another so they do not compete, each on a fresh stack (Temporal dev server,
 * emulator, receiver and worker processes); `--quick` shares one stack to stay within minutes. Prints one table with
 * every figure next to its same-run baseline and writes bench/results.json (parts not run keep their figures).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { type BenchPart, benchParts } from './parts';
import { startBenchStack } from './support/bench-stack';
import { runMain } from './support/stack';
import { type PartResult, printTable, type Row } from './support/stats';

const program = new Command('bench')
  .option('--quick', 'a small version of every part (under five minutes)')
  .option('--out <file>', 'where the figures go', path.join(__dirname, 'results.json'))
  .argument('[parts...]', `parts to run (default all): ${benchParts.map((p) => p.name).join(', ')}`)
  .parse();

runMain(async () => {
  const { quick, out } = program.opts<{ quick?: boolean; out: string }>();
  const wanted = program.args;
  const unknown = wanted.filter((w) => !benchParts.some((p) => p.name === w));
  if (unknown.length)
    throw new Error(`unknown part(s) ${unknown.join(', ')}; known: ${benchParts.map((p) => p.name).join(', ')}`);
  const selected: BenchPart[] = benchParts.filter((p) => wanted.length === 0 || wanted.includes(p.name));

  const previous = fs.existsSync(out) ? (JSON.parse(fs.readFileSync(out, 'utf8')) as Record<string, unknown>) : {};
  const results: Record<string, unknown> = { ...previous };
  const rows: Row[] = [];
  const started = Date.now();
  let failed = 0;
  const shared = quick && selected.some((p) => p.needsStack) ? await startBenchStack() : undefined;
  for (const part of selected) {
    process.stdout.write(`== ${part.name}${quick ? ' (quick)' : ''}: ${part.what}\n`);
    const t = Date.now();
    const own = part.needsStack && !shared ? await startBenchStack() : undefined;
    try {
      const result: PartResult = await part.run(shared ?? own, Boolean(quick));
      results[result.key] = { ...result.figures, quick: Boolean(quick), measured_at: new Date().toISOString() };
      rows.push(...result.rows);
      process.stdout.write(`   done in ${((Date.now() - t) / 1000).toFixed(0)} s\n`);
    } catch (err) {
      failed++;
      process.stdout.write(`   FAILED: ${(err as Error).stack ?? String(err)}\n`);
      rows.push({ part: part.name, figure: 'run', value: 'FAILED', verdict: 'MISSES' });
    } finally {
      await own?.stop();
    }
  }
  await shared?.stop();
  results.machine = { cpus: os.cpus().length, load_average_at_end: os.loadavg()[0], node: process.version };
  fs.writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  printTable(rows);
  process.stdout.write(
    `\n${selected.length} part(s) in ${((Date.now() - started) / 1000).toFixed(0)} s; figures in ${path.relative(process.cwd(), out)}\n`,
  );
  process.exit(failed ? 1 : 0);
});
