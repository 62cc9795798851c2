/**
 * Part 6, a large batch end to end: the `batchPrompts` workflow on its own worker process builds and uploads the
 * JSONL, creates the job, waits for its webhook, downloads and parses the output. Throughput, the worker's peak RSS
 * (and its growth over the idle worker), and the overhead beyond the emulator's job time.
 */
import { randomUUID } from 'node:crypto';
import type { BenchStack } from '../support/bench-stack';
import { peakRssMb } from '../support/processes';
import { batchPrompts } from '../support/stack';
import { type PartResult, round, verdict } from '../support/stats';

export async function batchPart(stack: BenchStack, prompts: number, batchMs: number): Promise<PartResult> {
  stack.emulator.control.model.setDurations({ batchMs });
  const taskQueue = `bench-batch-${randomUUID()}`;
  const worker = await stack.startWorker({ taskQueue });
  try {
    const idleRssMb = peakRssMb(worker.pid) ?? NaN;
    const started = Date.now();
    const result = await stack.client.workflow.execute(batchPrompts, {
      taskQueue,
      workflowId: `bench-batch-${randomUUID()}`,
      args: [
        {
          model: 'gemini-2.5-flash',
          prompts: {
            kind: 'template',
            template: 'Write one sentence about item number {i} of the catalogue.',
            count: prompts,
          },
        },
      ],
    });
    const totalS = (Date.now() - started) / 1000;
    if (result.state !== 'succeeded' || result.counts.succeeded !== prompts) {
      throw new Error(
        `the batch ended ${result.state} with ${JSON.stringify('counts' in result ? result.counts : result.error)}`,
      );
    }
    const peak = peakRssMb(worker.pid) ?? NaN;
    const overheadS = totalS - batchMs / 1000;
    const figures = {
      prompts,
      emulator_job_s: batchMs / 1000,
      total_s: round(totalS, 1),
      prompts_per_s: round(prompts / totalS, 0),
      overhead_s: round(overheadS, 1),
      peak_rss_mb: peak,
      idle_worker_rss_mb: idleRssMb,
      rss_growth_mb: peak - idleRssMb,
      resolved_by: result.resolvedBy,
    };
    return {
      key: 'batch',
      figures,
      rows: [
        {
          part: 'batch',
          figure: `${prompts} prompts end to end`,
          value: `${figures.total_s} s (${figures.prompts_per_s} prompts/s)`,
          baseline: `emulator job ${batchMs / 1000} s`,
        },
        {
          part: 'batch',
          figure: 'overhead beyond the job',
          value: `${figures.overhead_s} s`,
          target: '<= 10 s',
          verdict: verdict(overheadS <= 10),
        },
        {
          part: 'batch',
          figure: 'worker peak RSS (growth over idle)',
          value: `${peak} MB (+${figures.rss_growth_mb})`,
          baseline: `idle worker ${idleRssMb} MB`,
          target: '<= 300 MB',
          verdict: verdict(peak <= 300),
        },
      ],
    };
  } finally {
    await worker.stop();
  }
}
