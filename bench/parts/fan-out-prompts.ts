import { randomUUID } from 'node:crypto';
import type { BenchStack } from '../support/bench-stack';
import { peakRssMb } from '../support/processes';
import { batchPrompts, fanOutPrompts, readPromptResults } from '../support/stack';
import { type Row, round, verdict } from '../support/stats';

const model = 'gemini-2.5-flash';
const template = 'Write one sentence about item number {i} of the catalogue.';

/** Runs `work` on a fresh worker process and returns its time and the worker's peak RSS (and its idle RSS). */
async function onOwnWorker<T>(stack: BenchStack, work: (taskQueue: string) => Promise<T>) {
  const taskQueue = `bench-prompts-${randomUUID()}`;
  const worker = await stack.startWorker({ taskQueue });
  try {
    const idle = peakRssMb(worker.pid) ?? NaN;
    const started = Date.now();
    const value = await work(taskQueue);
    return { value, seconds: (Date.now() - started) / 1000, peak: peakRssMb(worker.pid) ?? NaN, idle };
  } finally {
    await worker.stop();
  }
}

/**
 * `prompts` prompts through fanOutPrompts (Batch jobs of `perBatch`), every result mapped back to its key and read
 * from the results file in prompt order; next to the same prompts as one batchPrompts job, each on its own worker.
 */
export async function promptsSection(
  stack: BenchStack,
  prompts: number,
  perBatch: number,
): Promise<{ figures: Record<string, unknown>; rows: Row[] }> {
  stack.emulator.control.model.setDurations({ batchMs: 3000 });
  const source = { kind: 'template' as const, template, count: prompts };

  const single = await onOwnWorker(stack, (taskQueue) =>
    stack.client.workflow.execute(batchPrompts, {
      taskQueue,
      workflowId: `bench-one-batch-${randomUUID()}`,
      args: [{ model, prompts: source }],
    }),
  );
  const packed = await onOwnWorker(stack, (taskQueue) =>
    stack.client.workflow.execute(fanOutPrompts, {
      taskQueue,
      workflowId: `bench-prompt-fanout-${randomUUID()}`,
      args: [{ model, prompts: source, batchSize: { prompts: perBatch } }],
    }),
  );
  const result = packed.value;
  let inOrder = 0;
  let ok = 0;
  for await (const { key, result: r } of readPromptResults(result.resultsFile)) {
    if (key === `item-${inOrder}`) inOrder++;
    if (r.ok && r.text === `Emulated ${model} reply to: ${template.replace('{i}', key.slice(5))}`) ok++;
  }
  const mapped = inOrder === prompts && ok === prompts && result.counts.succeeded === prompts;
  const figures = {
    prompts,
    prompts_per_batch: perBatch,
    prompt_batches: result.jobs.counts.total,
    prompts_mapped_back: ok,
    prompts_s: round(packed.seconds, 1),
    prompts_worker_peak_rss_mb: packed.peak,
    prompts_idle_worker_rss_mb: packed.idle,
    one_batch_s: round(single.seconds, 1),
    one_batch_worker_peak_rss_mb: single.peak,
  };
  return {
    figures,
    rows: [
      {
        part: 'fanout',
        figure: `${prompts} prompts packed into ${figures.prompt_batches} Batch jobs, results mapped back`,
        value: `${ok} in order, ${figures.prompts_s} s`,
        baseline: `one batchPrompts job: ${figures.one_batch_s} s`,
        target: `${prompts}`,
        verdict: verdict(mapped),
      },
      {
        part: 'fanout',
        figure: 'worker peak RSS, Batch packing',
        value: `${packed.peak} MB`,
        baseline: `one batch: ${single.peak} MB; idle worker ${packed.idle} MB`,
        target: '<= 300 MB',
        verdict: verdict(packed.peak <= 300),
      },
    ],
  };
}
