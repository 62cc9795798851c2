/**
 * Part 8, fan-out: `jobs` Gemini jobs (each a `generateText` child: a background interaction waited for by webhook)
 * from one pipeline (`answerQuestions`, a window of `window` in flight), through a worker SIGKILL at 30% and a Temporal
 * dev-server restart at 60%, against the same jobs started as independent workflows in the same run with the same two
 * disruptions. Checks every item completed exactly once with its own answer, and reads every run's history length;
 * then 20,000 prompts through the Batch packing helper (fanOutPrompts) next to one batchPrompts job of the same prompts.
 */
import { randomUUID } from 'node:crypto';
import type { BenchStack } from '../support/bench-stack';
import { inPool } from '../support/parked';
import { type Child, peakRssMb } from '../support/processes';
import { answerQuestions, eventually, type FanOutItemResult, generateText, readFanOutResults } from '../support/stack';
import { type PartResult, round, verdict } from '../support/stats';
import type { WorkerTuning } from '../support/worker-process';
import { promptsSection } from './fan-out-prompts';

const model = 'gemini-2.5-flash';
const question = (i: number) => `Question number ${i} of the fan-out bench`;

interface Phase {
  seconds: number;
  peakRssMb: number;
  creates: number;
  disruptions: string[];
}

/**
 * Runs one phase on its own task queue and worker: `begin` starts the work, `finished` says when it is done. The
 * worker is killed (and replaced) once 30% of the jobs completed, and Temporal once 60% did.
 */
async function phase(
  stack: BenchStack,
  n: number,
  tuning: WorkerTuning,
  begin: (taskQueue: string) => Promise<void>,
  finished: (taskQueue: string) => Promise<boolean>,
  timeoutMs: number,
): Promise<Phase & { taskQueue: string }> {
  const taskQueue = `bench-fanout-${randomUUID()}`;
  let worker: Child = await stack.startWorker({ taskQueue, tuning });
  let peak = 0;
  const disruptions: string[] = [];
  const createsBefore = stack.emulator.control.inspect.calls().bySdkMethod['interactions.create'] ?? 0;
  const started = Date.now();
  try {
    await begin(taskQueue);
    const completed = `WorkflowType = 'generateText' AND TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Completed'`;
    for (;;) {
      if (Date.now() - started > timeoutMs) throw new Error(`not done within ${timeoutMs / 1000} s`);
      const done = await stack.client.workflow.count(completed).then(
        (c) => c.count,
        () => 0,
      );
      if (disruptions.length === 0 && done >= n * 0.3) {
        peak = Math.max(peak, peakRssMb(worker.pid) ?? 0);
        await worker.kill();
        disruptions.push(`worker SIGKILL at ${done} done, ${round((Date.now() - started) / 1000, 1)} s`);
        worker = await stack.startWorker({ taskQueue, tuning });
      } else if (disruptions.length === 1 && done >= n * 0.6) {
        await stack.temporal.kill();
        await new Promise((r) => setTimeout(r, 1000));
        await stack.restartTemporal();
        disruptions.push(`Temporal SIGKILL + restart at ${done} done, ${round((Date.now() - started) / 1000, 1)} s`);
      }
      if (await finished(taskQueue).catch(() => false)) break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    peak = Math.max(peak, peakRssMb(worker.pid) ?? 0);
    const creates = (stack.emulator.control.inspect.calls().bySdkMethod['interactions.create'] ?? 0) - createsBefore;
    return { taskQueue, seconds: (Date.now() - started) / 1000, peakRssMb: peak, creates, disruptions };
  } finally {
    await worker.stop();
  }
}

/** Starts with retries: a start that fails while Temporal restarts is tried again (an existing id means it went through). */
async function startIndependent(stack: BenchStack, taskQueue: string, i: number, prefix: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await stack.client.workflow.start(generateText, {
        taskQueue,
        workflowId: `${prefix}${i}`,
        args: [{ prompt: question(i), model }],
      });
      return;
    } catch (err) {
      if ((err as Error).name === 'WorkflowExecutionAlreadyStartedError') return;
      if (attempt >= 60) throw err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

export async function fanOutPart(
  stack: BenchStack,
  opts: {
    jobs: number;
    window: number;
    itemsPerRun: number;
    prompts: number;
    promptsPerBatch: number;
    tuning: WorkerTuning;
  },
): Promise<PartResult> {
  const n = opts.jobs;
  stack.emulator.control.model.setDurations({ interactionMs: 1000 });
  const timeoutMs = Math.max(600_000, n * 300);

  // Baseline: the same jobs as independent workflows, started as fast as the client can.
  let starting: Promise<void> = Promise.resolve();
  const baseline = await phase(
    stack,
    n,
    opts.tuning,
    async (taskQueue) => {
      const prefix = `bench-independent-${randomUUID().slice(0, 8)}-`;
      starting = inPool(
        Array.from({ length: n }, (_, i) => i),
        64,
        (i) => startIndependent(stack, taskQueue, i, prefix),
      );
    },
    async (taskQueue) => {
      const c = await stack.client.workflow.count(
        `WorkflowType = 'generateText' AND TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Completed'`,
      );
      return c.count >= n;
    },
    timeoutMs,
  );
  await starting;

  // The fan-out: one pipeline, one fanOutJobs child continuing as new, a window of generateText children.
  const pipelineId = `bench-fanout-${randomUUID().slice(0, 8)}`;
  const fanned = await phase(
    stack,
    n,
    opts.tuning,
    async (taskQueue) => {
      await stack.client.workflow.start(answerQuestions, {
        taskQueue,
        workflowId: pipelineId,
        args: [
          {
            questions: { template: 'Question number {i} of the fan-out bench', count: n },
            model,
            concurrency: opts.window,
            itemsPerRun: opts.itemsPerRun,
          },
        ],
      });
    },
    async () => (await stack.client.workflow.getHandle(pipelineId).describe()).status.name !== 'RUNNING',
    timeoutMs,
  );
  const checks = await checkFanOut(stack, pipelineId, fanned.taskQueue, n);
  const ratio = fanned.seconds / baseline.seconds;
  const prompts = await promptsSection(stack, opts.prompts, opts.promptsPerBatch);

  const figures = {
    jobs: n,
    window: opts.window,
    items_per_run: opts.itemsPerRun,
    emulator_job_s: 1,
    worker_tuning: opts.tuning,
    fanout_s: round(fanned.seconds, 1),
    independent_s: round(baseline.seconds, 1),
    ratio: round(ratio),
    fanout_worker_peak_rss_mb: fanned.peakRssMb,
    independent_worker_peak_rss_mb: baseline.peakRssMb,
    disruptions: { fanout: fanned.disruptions, independent: baseline.disruptions },
    ...checks,
    gemini_creates: { fanout: fanned.creates, independent: baseline.creates },
    ...prompts.figures,
  };
  const exactlyOnce =
    checks.items_completed === n && checks.item_runs === n && checks.results_ok === n && checks.results_distinct === n;
  return {
    key: 'fanout',
    figures,
    rows: [
      {
        part: 'fanout',
        figure: `${n} jobs from one pipeline (window ${opts.window}), worker killed + Temporal restarted`,
        value: `${figures.fanout_s} s`,
        baseline: `independent workflows, same disruptions: ${figures.independent_s} s`,
        target: '<= 1.3x',
        verdict: verdict(ratio <= 1.3),
      },
      {
        part: 'fanout',
        figure: 'items completed once, each with its own answer (runs / results)',
        value: `${checks.item_runs} / ${checks.results_ok}`,
        baseline: `Gemini creates: ${fanned.creates} (independent ${baseline.creates})`,
        target: `${n} / ${n}`,
        verdict: verdict(exactlyOnce),
      },
      {
        part: 'fanout',
        figure: `largest history of any run (${checks.fanout_runs} fan-out runs, pipeline)`,
        value: `${checks.max_run_events} events`,
        target: '<= 10000',
        verdict: verdict(checks.max_run_events <= 10_000),
      },
      {
        part: 'fanout',
        figure: 'worker peak RSS, fan-out',
        value: `${fanned.peakRssMb} MB`,
        baseline: `independent: ${baseline.peakRssMb} MB`,
        target: '<= 1024 MB',
        verdict: verdict(fanned.peakRssMb <= 1024),
      },
      ...prompts.rows,
    ],
  };
}

/** Exactly once: every item has one child run, completed, and one stored result with its own answer. */
async function checkFanOut(stack: BenchStack, pipelineId: string, taskQueue: string, _n: number) {
  const pipeline = stack.client.workflow.getHandle(pipelineId);
  const result = await eventually(() => pipeline.result().catch(() => undefined), 'the pipeline result', 60_000);
  const count = async (q: string) => (await stack.client.workflow.count(`TaskQueue = '${taskQueue}' AND ${q}`)).count;
  const seen = new Set<number>();
  let ok = 0;
  const stored: AsyncGenerator<{ index: number; result: FanOutItemResult }> = result.stored
    ? readFanOutResults(result.stored)
    : inline(result.results);
  for await (const { index, result: r } of stored) {
    seen.add(index);
    if (r.ok && (r.value as { text?: string }).text === `Emulated ${model} reply to: ${question(index)}`) ok++;
  }
  const fanOutId = `${pipelineId}/answers`;
  const lengths: number[] = [(await pipeline.describe()).historyLength];
  let runs = 0;
  for await (const run of stack.client.workflow.list({ query: `WorkflowId = '${fanOutId}'` })) {
    runs++;
    lengths.push((await stack.client.workflow.getHandle(fanOutId, run.runId).describe()).historyLength);
  }
  return {
    counts: result.counts,
    fanout_runs: runs,
    max_run_events: Math.max(...lengths),
    items_completed: await count(`WorkflowType = 'generateText' AND ExecutionStatus = 'Completed'`),
    item_runs: await count(`WorkflowType = 'generateText'`),
    results_distinct: seen.size,
    results_ok: ok,
  };
}

async function* inline<T>(results: T[]): AsyncGenerator<{ index: number; result: T }> {
  for (const [index, result] of results.entries()) yield { index, result };
}
