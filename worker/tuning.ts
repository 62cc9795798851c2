import type { WorkerOptions } from '@temporalio/worker';

/**
 * Worker settings for geminiflow's load: thousands of runs parked on Gemini jobs, then resumed in bursts. A parked run
 * needs nothing from the worker until its event comes (its state is in Temporal), while each run the worker keeps in
 * its cache costs about 1-2 MB of memory (every cached run instantiates the workflow modules of the bundle once). So
 * the cache is capped: a run resumed after eviction replays its short history first. With thousands parked, almost
 * every resumed run has been evicted whatever the cache size, so a small cache costs a burst little; the figures and
 * the trade-off are in docs/performance.md ("Workers"). The reusable V8 context (the SDK default) stays on: one
 * context per run costs several times more memory. Task slots stay at the SDK's defaults, which kept up on two cores.
 */
export const geminiflowWorkerTuning = {
  maxCachedWorkflows: 250,
} satisfies Partial<WorkerOptions>;
