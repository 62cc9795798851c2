import {
  ApplicationFailure,
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  type Budget,
  type FanOutFailurePolicy,
  type FanOutPlan,
  type FanOutResult,
  fanOutRateLimitedSignal,
  GeminiflowFailure,
  isRateLimited,
} from '../../contract';
import { failureMessage } from '../agent/failure-message';
import { badInput } from '../job-failures';
import { type GeminiUsageCarry, trackGeminiUsage } from '../usage';
import { itemError, runItem } from './children';
import { roomForChild } from './history-budget';
import { PlanReader, planSize } from './plan';
import { type ProgressCarry, ProgressTracker } from './progress';
import { FanOutResults, type ResultsCarry } from './results';
import { AdaptiveWindow, type WindowState } from './window';

/** How a fan-out runs its children: what `fanOut` takes beside its name. */
export interface FanOutSettings {
  /** Children in flight at most (default 50); rate limits shrink it for a while. */
  concurrency?: number;
  /** Default `continue`. */
  onFailure?: FanOutFailurePolicy;
  /** Children one run starts before it continues as new (default 500); a run also ends early to stay well under 10,000 events. */
  itemsPerRun?: number;
  /** Results up to this many bytes of JSON come back in the result; larger ones are stored (default 256 KiB, at most 1 MiB). */
  inlineResultLimitBytes?: number;
  /** Task queue of the children; default the fan-out's. */
  taskQueue?: string;
}

export interface FanOutJobsInput extends FanOutSettings {
  /** Shown in progress; `fanOut` also makes the workflow id from it. */
  name: string;
  plan: FanOutPlan;
  /** The fan-out store's folder key; default `<workflow id>/<first run id>`. */
  storeKey?: string;
  /**
   * The pipeline's budget: checked before each child starts, and passed to each child in its first argument's
   * `budget` (when that is an object). `fanOut(items, job, {usage})` fills it in from the calling run's.
   */
  budget?: Budget;
  /** Set by the fan-out itself when it continues as new. */
  carried?: FanOutCarry;
}

/** What one run hands to the next: where it got to, and everything counted so far. */
export interface FanOutCarry {
  /** The first item no run has queued yet. */
  next: number;
  /** Items queued but not started (or to start again after a rate limit). */
  pending: number[];
  requeues: Record<string, number>;
  progress: ProgressCarry;
  window: WindowState;
  results: ResultsCarry;
  /** Absent in runs continued by earlier versions. */
  usage?: GeminiUsageCarry;
}

/** A rate-limited child is started again this often at most before it counts as failed. */
const maxRequeues = 5;

type Finished = { index: number; ok: true; value: unknown } | { index: number; ok: false; error: unknown };

/**
 * Runs one child workflow per item of a plan with a window of children in flight, in runs of `itemsPerRun` items
 * that continue as new (each drains its children first, so no child outlives the run that started it). Results are
 * kept in item order; failures follow the failure policy; rate limits shrink the window; cancelling it cancels every
 * child still running. Start it through `fanOut(items, job, options)`.
 */
export async function fanOutJobs(input: FanOutJobsInput): Promise<FanOutResult> {
  const info = workflowInfo();
  const settings = settingsOf(input);
  const total = planSize(input.plan);
  const storeKey = input.storeKey ?? `${info.workflowId}/${info.firstExecutionRunId}`;
  const carried = input.carried;
  const window = new AdaptiveWindow(settings.concurrency, carried?.window);
  // Published with the progress (at most every 5 s), not on every child's result.
  const usage = trackGeminiUsage(input.budget, { publish: 'manual', carried: carried?.usage });
  const progress = new ProgressTracker(input.name, total, window, carried?.progress, () => usage.report());
  const results = new FanOutResults(storeKey, settings.inlineResultLimitBytes, carried?.results);
  setHandler(fanOutRateLimitedSignal, () => {
    progress.rateLimitReport();
    window.rateLimited(Date.now());
  });

  let next = carried?.next ?? 0;
  const queue = [...(carried?.pending ?? [])];
  while (queue.length < settings.itemsPerRun && next < total) queue.push(next++);
  const requeues = new Map(Object.entries(carried?.requeues ?? {}).map(([k, v]) => [Number(k), v]));
  progress.publish(true);
  const jobs = new PlanReader(input.plan, queue);

  const children = new CancellationScope();
  const inFlight = new Set<number>();
  const finished: Finished[] = [];
  let stopReason: string | undefined;
  // The budget stops starting children (without cancelling those in flight), or waits for a person to allow more.
  let budgetStop: string | undefined;
  let checkingBudget = false;
  if (usage.hasBudget) await usage.beforeJob(`fan-out ${input.name}`);

  const start = (index: number) => {
    inFlight.add(index);
    progress.running = inFlight.size;
    const job = jobs.get(index)!;
    const withBudget = usage.hasBudget ? { ...job, args: usage.withBudget(job.args) } : job;
    runItem(children, withBudget, index, info.workflowId, input.taskQueue).then(
      (value) => finished.push({ index, ok: true, value }),
      (error: unknown) => finished.push({ index, ok: false, error }),
    );
  };

  const settle = () => {
    for (const f of finished.splice(0)) {
      inFlight.delete(f.index);
      progress.running = inFlight.size;
      const label = jobs.get(f.index)?.label;
      if (f.ok) {
        progress.succeeded();
        results.add(f.index, { ok: true, value: f.value });
        usage.addChild(f.value);
        window.finished(Date.now());
      } else if (stopReason && isCancellation(f.error)) {
        // Stopped before it could finish: not a failure of the item; it counts as left.
        results.add(
          f.index,
          { ok: false, error: { message: `cancelled: ${stopReason}`, type: 'CancelledFailure' } },
          label,
          false,
        );
      } else if (isRateLimited(f.error) && (requeues.get(f.index) ?? 0) < maxRequeues) {
        requeues.set(f.index, (requeues.get(f.index) ?? 0) + 1);
        queue.push(f.index);
        progress.requeued();
        window.rateLimited(Date.now());
      } else {
        const error = itemError(f.error);
        progress.failure({ index: f.index, ...(label !== undefined ? { label } : {}), error });
        results.add(f.index, { ok: false, error }, label);
        usage.addChildFailure(f.error);
        window.finished(Date.now());
        if (error.type === GeminiflowFailure.budgetExceeded) {
          // An item its budget stopped: the pipeline's budget is spent, so no more start.
          budgetStop ??= `item ${f.index}: ${error.message}`;
          progress.state = 'stopping';
          continue;
        }
        stopReason ??= stopFor(settings.onFailure, progress.failed);
        if (stopReason) {
          progress.state = 'stopping';
          children.cancel();
        }
      }
    }
  };

  const mayStart = () => !stopReason && !budgetStop && !checkingBudget && queue.length > 0;
  const canStart = () =>
    mayStart() && inFlight.size < window.allowed && roomForChild(inFlight.size) && !usage.budgetReached();
  /** Asks for more budget (or stops) without holding up the children in flight. */
  const checkBudget = () => {
    if (!mayStart() || !usage.budgetReached()) return;
    checkingBudget = true;
    usage.beforeJob(`item ${queue[0]}`).then(
      () => void (checkingBudget = false),
      (err: unknown) => {
        checkingBudget = false;
        budgetStop ??= failureMessage(err);
        progress.state = 'stopping';
      },
    );
  };
  try {
    for (;;) {
      checkBudget();
      if (canStart()) await jobs.load(queue.slice(0, window.allowed - inFlight.size));
      const before = inFlight.size;
      while (canStart() && jobs.get(queue[0]!)) start(queue.shift()!);
      if (inFlight.size > before) progress.childrenStarted();
      if (inFlight.size === 0 && !canStart() && !checkingBudget) break;
      await condition(() => finished.length > 0 || canStart() || (!checkingBudget && inFlight.size === 0));
      settle();
      progress.publish();
      await results.storeIfDue();
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // Cancelled from outside: the children were asked to cancel too. Wait for them, so their Gemini jobs are cancelled
    // before this run reports cancelled.
    stopReason = 'the fan-out was cancelled';
    progress.state = 'cancelled';
    await CancellationScope.nonCancellable(async () => {
      while (inFlight.size > 0) {
        await condition(() => finished.length > 0);
        settle();
      }
      progress.publish(true);
    });
    throw err;
  }

  const stoppedBecause = stopReason ?? (budgetStop ? `the budget: ${budgetStop}` : undefined);
  if (stoppedBecause || (queue.length === 0 && next >= total)) {
    progress.state = stoppedBecause ? 'stopped' : 'completed';
    const view = progress.view();
    const outcome: FanOutResult = {
      name: input.name,
      state: stoppedBecause ? 'stopped' : 'completed',
      ...(stoppedBecause ? { stoppedBecause } : {}),
      counts: { total, done: view.done, failed: view.failed, running: 0, left: view.left },
      ...(await results.final(total)),
      failures: results.failures,
      runs: view.run,
      window: view.window,
      rateLimited: view.rateLimited,
      geminiUsage: usage.report(),
    };
    progress.publish(true);
    log.info('fan-out ended', { name: input.name, state: outcome.state, ...outcome.counts, runs: outcome.runs });
    if (stoppedBecause) {
      throw ApplicationFailure.nonRetryable(
        `fan-out ${input.name} stopped: ${stoppedBecause}`,
        stopReason ? GeminiflowFailure.fanOutStopped : GeminiflowFailure.budgetExceeded,
        outcome,
      );
    }
    return outcome;
  }

  // This run has started what it may: hand the rest to a fresh run with a short history.
  const pendingRequeues = Object.fromEntries(
    queue.filter((i) => requeues.has(i)).map((i) => [String(i), requeues.get(i)!]),
  );
  const carry: FanOutCarry = {
    next,
    pending: queue,
    requeues: pendingRequeues,
    progress: progress.carry(),
    window: window.state(),
    results: await results.carry(),
    usage: usage.carry(),
  };
  progress.publish(true);
  log.info('fan-out continues as new', { name: input.name, next, pending: queue.length, run: carry.progress.run });
  await condition(allHandlersFinished);
  return continueAsNew<typeof fanOutJobs>({ ...input, storeKey, carried: carry });
}

function stopFor(policy: FanOutFailurePolicy, failed: number): string | undefined {
  if (policy === 'fail-fast') return 'an item failed (fail-fast)';
  if (typeof policy === 'object' && failed >= policy.stopAfter)
    return `${failed} item(s) failed (stopAfter ${policy.stopAfter})`;
  return undefined;
}

function settingsOf(input: FanOutJobsInput) {
  const { concurrency = 50, itemsPerRun = 500, onFailure = 'continue', inlineResultLimitBytes = 256 * 1024 } = input;
  if (!input.name?.trim()) throw badInput('a fan-out needs a name');
  if (!input.plan || !['inline', 'stored'].includes(input.plan.kind)) throw badInput('a fan-out needs a plan of jobs');
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 10_000)
    throw badInput('concurrency must be a whole number from 1 to 10,000');
  if (!Number.isInteger(itemsPerRun) || itemsPerRun < 1 || itemsPerRun > 5_000)
    throw badInput('itemsPerRun must be a whole number from 1 to 5,000');
  const policyOk =
    onFailure === 'continue' ||
    onFailure === 'fail-fast' ||
    (typeof onFailure === 'object' && Number.isInteger(onFailure?.stopAfter) && onFailure.stopAfter >= 1);
  if (!policyOk) throw badInput("onFailure must be 'continue', 'fail-fast' or {stopAfter: n} with n >= 1");
  // Inline results travel in each run's input and in the result: both must stay well inside a 2 MB payload.
  if (!(inlineResultLimitBytes >= 0 && inlineResultLimitBytes <= 1024 * 1024))
    throw badInput('inlineResultLimitBytes must be from 0 to 1 MiB');
  return { concurrency, itemsPerRun, onFailure, inlineResultLimitBytes };
}
