import type { WorkerOptions } from '@temporalio/worker';

/**
 * Worker settings for geminiflow's load: thousands of runs parked on Gemini jobs, then resumed in bursts. A parked run
 * needs nothing from the worker until its event comes (its state is in Temporal), while each run the worker keeps in
 * its cache holds on to a few MB (every cached run instantiates the workflow modules of the bundle once, and a burst
 * of evictions leaves garbage the heap keeps for a while). So the cache is capped at 100: a run resumed after eviction
 * replays its short history first, and with thousands parked almost every resumed run has been evicted whatever the
 * cache size. Figures and the trade-off against other sizes: docs/performance.md ("Workers"). The reusable V8 context
 * and the task slots stay at the SDK's defaults.
 */
export const geminiflowWorkerTuning = {
  maxCachedWorkflows: 100,
} satisfies Partial<WorkerOptions>;
