/**
 * Part 2, worker throughput: parked runs resumed by a burst of raw signals (so the receiver is not in the way) and
 * completed, per second, for a worker process at the SDK's defaults and at tuned settings, on the same server.
 */
import { randomUUID } from 'node:crypto';
import type { BenchStack } from '../support/bench-stack';
import { peakRssMb } from '../support/processes';
import { historyTimes, inPool, signalRaw, startParked, waitAllCompleted } from '../support/parked';
import { type PartResult, round } from '../support/stats';
import type { WorkerTuning } from '../support/worker-process';

/**
 * The candidates. SDK 1.24 defaults: 40 concurrent workflow tasks, 10 polls, 100 activity tasks, reuseV8Context on
 * (one workflow thread), a cache sized from the heap limit. The burst is bound by workflow tasks (there are no
 * activities in it), so the task and poll limits and the thread count are what can move it.
 */
/**
 * What the scale part (and this project's worker, if adopted) runs with. More task slots and polls let a burst use
 * the server's concurrency; the cache is capped because a cached run costs about 1 MB of worker RSS (the SDK's
 * heap-based default is about 2,300 runs on a 4 GB heap): an evicted run replays its short history when it resumes.
 */
export const proposedWorkerTuning: WorkerTuning = {
  maxConcurrentWorkflowTaskExecutions: 100,
  maxConcurrentWorkflowTaskPolls: 20,
  maxCachedWorkflows: 600,
};

export const workerTunings: { name: string; tuning: WorkerTuning }[] = [
  { name: 'sdk-defaults', tuning: {} },
  { name: 'no-reuse-v8', tuning: { reuseV8Context: false } },
  { name: 'wft100-poll20', tuning: { maxConcurrentWorkflowTaskExecutions: 100, maxConcurrentWorkflowTaskPolls: 20 } },
  { name: 'wft100-poll20-cache600 (proposed)', tuning: proposedWorkerTuning },
  {
    name: 'wft200-poll50-threads2',
    tuning: { maxConcurrentWorkflowTaskExecutions: 200, maxConcurrentWorkflowTaskPolls: 50, workflowThreadPoolSize: 2 },
  },
  { name: 'proposed-act200', tuning: { ...proposedWorkerTuning, maxConcurrentActivityTaskExecutions: 200 } },
];

async function measureTuning(stack: BenchStack, tuning: WorkerTuning, n: number) {
  const taskQueue = `bench-worker-${randomUUID()}`;
  const worker = await stack.startWorker({ taskQueue, tuning });
  try {
    const startedAt = Date.now();
    const batch = await startParked(stack, taskQueue, n, 'tput');
    const parkPerSec = n / ((Date.now() - startedAt) / 1000);
    const t0 = Date.now();
    await inPool(batch.runs, 256, signalRaw);
    await waitAllCompleted(stack, taskQueue, batch.prefix, n, 300_000);
    const last = Math.max(...(await Promise.all(batch.runs.map(historyTimes))).map((t) => t.completedAt));
    return { perSec: n / ((last - t0) / 1000), parkPerSec, peakRssMb: peakRssMb(worker.pid) };
  } finally {
    await worker.stop();
  }
}

/** The quick run compares the defaults with the proposal only. */
export async function workerThroughputPart(stack: BenchStack, n: number, quick = false): Promise<PartResult> {
  const measured: Record<string, { perSec: number; parkPerSec: number; peakRssMb?: number }> = {};
  const candidates = quick ? workerTunings.filter((t) => t.name === 'sdk-defaults' || t.tuning === proposedWorkerTuning) : workerTunings;
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
        Object.entries(measured).map(([k, v]) => [k, { completed_per_s: round(v.perSec, 1), parked_per_s: round(v.parkPerSec, 1), peak_rss_mb: v.peakRssMb }]),
      ),
    },
    rows: Object.entries(measured).map(([name, v]) => ({
      part: 'worker',
      figure: `burst of ${n}: completed/s, ${name}`,
      value: `${round(v.perSec, 1)}/s (${round(v.perSec / base)}x)`,
      baseline: name === 'sdk-defaults' ? '' : `defaults ${round(base, 1)}/s`,
      target: '',
    })),
  };
}
