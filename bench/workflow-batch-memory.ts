import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { GoogleGenAI } from '@google/genai';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { PromptSource } from '../common/contract';
import { createActivities } from '../worker';
import { freePort } from '../common/dev-server';
import { runMain } from '../common/errors';
import { projectRoot } from '../common/paths';

/**
 * The Batch workflow's file activities keep memory flat however many prompts a batch has: the input JSONL is written
 * line by line and uploaded in chunks, the output is downloaded to disk and parsed line by line. This prints, for a
 * batch of BENCH_PROMPTS prompts (default 100000), the JSONL sizes, each step's time and this process's peak RSS and
 * JS heap growth (run it with `node --max-old-space-size=96 --import tsx` to see it fit a small heap). The emulator runs in its own process so its copy of the files is not counted.
 */
const prompts = Number(process.env.BENCH_PROMPTS ?? 100_000);
const timeLimitMs = 180_000;

runMain(async () => {
  const deadline = setTimeout(() => {
    process.stderr.write(`benchmark exceeded ${timeLimitMs} ms\n`);
    process.exit(1);
  }, timeLimitMs);
  const port = await freePort();
  const emulator = await startEmulatorProcess(port);
  const baseUrl = `http://127.0.0.1:${port}`;
  const ai = new GoogleGenAI({ apiKey: 'bench', httpOptions: { baseUrl } });
  const { uploadBatchInput, createBatchJob, collectBatchResults } = createActivities({
    gemini: { target: 'emulator', apiKey: 'bench', baseUrl },
    outputDir: path.join(projectRoot, '.tools', 'bench-output'),
  });
  try {
    const source: PromptSource = {
      kind: 'template',
      template: 'Write one sentence about item number {i} of the catalogue, in plain words.',
      count: prompts,
    };
    const rss = trackPeakRss();
    const run = <R>(fn: () => Promise<R>): Promise<R> =>
      new MockActivityEnvironment({ workflowExecution: { workflowId: 'bench', runId: 'bench' } }).run(fn) as Promise<R>;

    let t = performance.now();
    const uploaded = await run(() => uploadBatchInput({ source, displayName: 'bench' }));
    const uploadMs = performance.now() - t;
    const uploadPeak = rss.peakGrowthMb();

    const { batchName } = await run(() => createBatchJob({ model: 'gemini-2.5-flash', file: uploaded.file, displayName: 'bench' }));
    let outputFile: string | undefined;
    while (!outputFile) {
      const batch = await ai.batches.get({ name: batchName });
      if (String(batch.state).endsWith('FAILED')) throw new Error('the batch failed');
      outputFile = batch.dest?.fileName;
      if (!outputFile) await new Promise((r) => setTimeout(r, 200));
    }
    const outputBytes = Number((await ai.files.get({ name: outputFile })).sizeBytes ?? 0);

    rss.reset();
    t = performance.now();
    const collected = await run(() => collectBatchResults({ batchName, outputFile, source }));
    const collectMs = performance.now() - t;
    const collectPeak = rss.peakGrowthMb();
    rss.stop();
    if (collected.counts.total !== prompts) throw new Error(`expected ${prompts} results, got ${collected.counts.total}`);

    const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
    process.stdout.write(
      [
        `batch of ${prompts} prompts`,
        `  build + upload input: ${mb(uploaded.sizeBytes)} MB JSONL in ${uploadMs.toFixed(0)} ms, peak ${uploadPeak}`,
        `  download + parse output: ${mb(outputBytes)} MB JSONL in ${collectMs.toFixed(0)} ms, peak ${collectPeak}`,
        `  results: ${collected.counts.succeeded} succeeded, ${collected.counts.failed} failed, returned inline: ${collected.resultsComplete}`,
        '',
      ].join('\n'),
    );
  } finally {
    clearTimeout(deadline);
    emulator.kill('SIGTERM');
  }
});

function startEmulatorProcess(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'emulator', 'main.ts')], {
    cwd: projectRoot,
    env: { ...process.env, GEMINI_EMULATOR_PORT: String(port), GEMINI_EMULATOR_BATCH_MS: '200' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening on')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`the emulator exited (${code})`)));
  });
}

/** Samples RSS and JS heap every 20 ms; growth is measured from the last reset. */
function trackPeakRss() {
  const sample = () => process.memoryUsage();
  let base = sample();
  let peak = { rss: base.rss, heap: base.heapUsed };
  const timer = setInterval(() => {
    const now = sample();
    peak = { rss: Math.max(peak.rss, now.rss), heap: Math.max(peak.heap, now.heapUsed) };
  }, 20);
  const mb = (b: number) => Math.max(0, Math.round(b / 1024 / 1024));
  return {
    reset() {
      base = sample();
      peak = { rss: base.rss, heap: base.heapUsed };
    },
    peakGrowthMb: () => `RSS +${mb(peak.rss - base.rss)} MB, JS heap +${mb(peak.heap - base.heapUsed)} MB`,
    stop: () => clearInterval(timer),
  };
}
