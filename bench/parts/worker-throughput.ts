/**
 * Part 2, workers: `n` parked runs resumed by a burst of raw signals (so the receiver is not in the way) and completed,
 * per second, and the worker's memory with them parked and at its peak, for a worker process at the SDK's defaults and
 * at other settings (cache sizes, task slots, one V8 context per run), on the same server.
 */
import { randomUUID } from 'node:crypto';
import type { BenchStack } from '../support/bench-stack';
import { historyTimes, inPool, signalRaw, startParked, waitAllCompleted } from '../support/parked';
import { peakRssMb } from '../support/processes';
import { geminiflowWorkerTuning } from '../support/stack';
import { type PartResult, round } from '../support/stats';
import type { WorkerTuning } from '../support/worker-process';

/**
 * The candidates. SDK 1.24 defaults: 40 concurrent workflow tasks, 10 polls, 100 activity tasks, reuseV8Context on
 * (one workflow thread), a cache sized from the heap limit. The burst is bound by workflow tasks (there are no
 * activities in it), so the task and poll limits and the thread count are what can move it.
 */
/** What this project's worker runs with (worker/tuning.ts), and so the scale part. */
export const proposedWorkerTuning: WorkerTuning = geminiflowWorkerTuning;

export const workerTunings: { name: string; tuning: WorkerTuning }[] = [
  { name: 'sdk-defaults', tuning: {} },
  { name: 'cache100 (geminiflow)', tuning: proposedWorkerTuning },
  { name: 'cache0 (no sticky execution)', tuning: { maxCachedWorkflows: 0 } },
  { name: 'cache250', tuning: { maxCachedWorkflows: 250 } },
  { name: 'cache100-no-reuse-v8', tuning: { ...proposedWorkerTuning, reuseV8Context: false } },
  {
    name: 'cache100-wft100-poll20',
    tuning: { ...proposedWorkerTuning, maxConcurrentWorkflowTaskExecutions: 100, maxConcurrentWorkflowTaskPolls: 20 },
  },
];

async function measureTuning(stack: BenchStack, tuning: WorkerTuning, n: number) {
  const taskQueue = `bench-worker-${randomUUID()}`;
  const worker = await stack.startWorker({ taskQueue, tuning });
  try {
    const idleRssMb = peakRssMb(worker.pid);
    const startedAt = Date.now();
    const batch = await startParked(stack, taskQueue, n, 'tput');
    const parkPerSec = n / ((Date.now() - startedAt) / 1000);
    const parkedRssMb = peakRssMb(worker.pid);
    const t0 = Date.now();
    await inPool(batch.runs, 256, signalRaw);
    await waitAllCompleted(stack, taskQueue, batch.prefix, n, 300_000);
    const last = Math.max(...(await Promise.all(batch.runs.map(historyTimes))).map((t) => t.completedAt));
    return { perSec: n / ((last - t0) / 1000), parkPerSec, idleRssMb, parkedRssMb, peakRssMb: peakRssMb(worker.pid) };
  } finally {
    await worker.stop();
  }
}

/** The quick run compares the defaults with the proposal only. */
export async function workerThroughputPart(stack: BenchStack, n: number, quick = false): Promise<PartResult> {
  const measured: Record<string, Awaited<ReturnType<typeof measureTuning>>> = {};
  const candidates = quick
    ? workerTunings.filter((t) => t.name === 'sdk-defaults' || t.tuning === proposedWorkerTuning)
    : workerTunings;
  for (const { name, tuning } of candidates) measured[name] = await measureTuning(stack, tuning, n);
  const base = measured['sdk-defaults']!.perSec;
  const [bestName, best] = Object.entries(measured).reduce((a, b) => (b[1].perSec > a[1].perSec ? b : a));
  return {
    key: 'worker',
    figures: {
      burst: n,
      completed_per_s_sdk_defaults: round(base, 1),
      best_tuning: bestName,
      best_tuning_options: workerTunings.find((t) => t.name === bestName)!.tuning,
      completed_per_s_best: round(best.perSec, 1),
      gain_over_defaults: round(best.perSec / base),
      by_tuning: Object.fromEntries(
        Object.entries(measured).map(([k, v]) => [
          k,
          {
            completed_per_s: round(v.perSec, 1),
            parked_per_s: round(v.parkPerSec, 1),
            idle_rss_mb: v.idleRssMb,
            parked_peak_rss_mb: v.parkedRssMb,
            peak_rss_mb: v.peakRssMb,
          },
        ]),
      ),
    },
    rows: Object.entries(measured).map(([name, v]) => ({
      part: 'worker',
      figure: `${n} parked, then resumed: completed/s and peak RSS, ${name}`,
      value: `${round(v.perSec, 1)}/s (${round(v.perSec / base)}x), ${v.peakRssMb} MB`,
      baseline:
        name === 'sdk-defaults' ? '' : `defaults ${round(base, 1)}/s, ${measured['sdk-defaults']!.peakRssMb} MB`,
      target: '',
    })),
  };
}
