import {
  ApplicationFailure,
  ChildWorkflowFailure,
  executeChild,
  type Workflow,
  type WorkflowResultType,
  workflowInfo,
} from '@temporalio/workflow';
import { type FanOutJob, type FanOutResult, GeminiflowFailure } from '../../contract';
import { badInput } from '../job-failures';
import type { GeminiUsageTracker } from '../usage';
import { type FanOutSettings, fanOutJobs } from './fan-out-jobs';
import { planFor } from './plan';

export type FanOutOptions = FanOutSettings & {
  /** Names the fan-out: its workflow id is `<this workflow's id>/<name>` (default `fan-out`); unique per workflow. */
  name?: string;
  /**
   * This run's usage (`trackGeminiUsage`): its budget is checked before the fan-out starts and passed to every item,
   * and the fan-out's usage (every item's) is added to it.
   */
  usage?: GeminiUsageTracker;
};

/**
 * One item's job: a workflow (one of geminiflow's job workflows, or your own, hosted on the same worker) and its
 * arguments, e.g. `job(deepResearch, { topic })`. Add `label` to name the item in progress and failure lists.
 */
export function job<W extends Workflow>(
  workflow: W | string,
  ...args: Parameters<W>
): FanOutJob<WorkflowResultType<W>> {
  const workflowType = typeof workflow === 'string' ? workflow : workflow.name;
  if (!workflowType) throw badInput('a fan-out job needs a named workflow');
  return { workflowType, args };
}

/**
 * Runs `toJob(item)` as a child workflow for every item, with at most `concurrency` in flight, and returns every
 * item's result in item order (`{ok: true, value}` or `{ok: false, error}`), or a reference to them once they are too
 * large for history. The work runs in a child, `fanOutJobs` (`<this id>/<name>`), which continues as new every
 * `itemsPerRun` items, so thousands of items keep every history small; only the jobs pass through this workflow's
 * history, once (stored through an activity when large). Cancelling this workflow cancels the items still running.
 * A failure policy that stops the fan-out throws an ApplicationFailure of type `FanOutStopped` whose details hold the
 * partial FanOutResult; a budget that stops it, one of type `BudgetExceeded` with the same details.
 */
export async function fanOut<Item, Result>(
  items: readonly Item[],
  toJob: (item: Item, index: number) => FanOutJob<Result>,
  { usage, ...options }: FanOutOptions = {},
): Promise<FanOutResult<Result>> {
  const name = options.name ?? 'fan-out';
  if (!/^[\w.-]{1,64}$/.test(name))
    throw badInput('a fan-out name is 1-64 letters, digits, dots, dashes or underscores');
  const info = workflowInfo();
  const workflowId = `${info.workflowId}/${name}`;
  const storeKey = `${workflowId}/${info.runId}`;
  const jobs = items.map((item, index) => toJob(item, index));
  if (jobs.length === 0) throw badInput(`fan-out ${name} has no items`);
  const bad = jobs.findIndex((j) => typeof j?.workflowType !== 'string' || !Array.isArray(j.args));
  if (bad >= 0) throw badInput(`fan-out ${name}: item ${bad} has no job; build it with job(workflow, ...args)`);
  await usage?.beforeJob(`fan-out ${name}`);
  const budget = usage?.forChild();
  const plan = await planFor(jobs, storeKey);
  try {
    const result = (await executeChild(fanOutJobs, {
      workflowId,
      args: [{ ...options, name, plan, storeKey, ...(budget ? { budget } : {}) }],
    })) as FanOutResult<Result>;
    usage?.addChild(result);
    return result;
  } catch (err) {
    usage?.addChildFailure(err);
    // The policy's (or the budget's) stop is the fan-out's answer, not a crash of the child: hand it on as it is.
    if (
      err instanceof ChildWorkflowFailure &&
      err.cause instanceof ApplicationFailure &&
      (err.cause.type === GeminiflowFailure.fanOutStopped || err.cause.type === GeminiflowFailure.budgetExceeded)
    ) {
      throw err.cause;
    }
    throw err;
  }
}
