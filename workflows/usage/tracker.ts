import {
  type ChildWorkflowOptions,
  executeChild,
  patched,
  setHandler,
  upsertMemo,
  type WithWorkflowArgs,
  type Workflow,
  type WorkflowResultType,
} from '@temporalio/workflow';
import {
  type Budget,
  type GeminiUsage,
  geminiUsageMemoKey,
  geminiUsageQuery,
  noTokens,
  readGeminiUsage,
  type TokenUsage,
} from '../../contract';
import { budgetApprovalDesk } from './budget-desk';
import { type BudgetDesk, BudgetGuard } from './budget-guard';
import type { GeminiUsageCarry } from './carry';
import { UsageMeter } from './meter';

/**
 * Runs publish their usage to the `geminiUsage` memo (lists read it without a query per run); runs recorded before
 * it schedule no memo upsert, so their histories replay.
 */
export const usageMemoPatch = 'gemini-usage-memo';

export interface TrackUsageOptions {
  /**
   * Where a reached budget asks a person: an agent passes its own approvals; other runs get theirs when needed.
   * @internal
   */
  desk?: BudgetDesk;
  /** `each-change` (default): a memo upsert whenever usage changes; `manual`: the run calls `publish` itself. */
  publish?: 'each-change' | 'manual';
  carried?: GeminiUsageCarry;
}

export type ChildOptions<W extends Workflow> = ChildWorkflowOptions & { args: Parameters<W> };

/**
 * A run's Gemini usage and budget. Job workflows record each job's usage as Gemini reports it; pipelines pass their
 * budget down to children (`executeChild` here, `fanOut(items, job, {usage})`) and add what the children report back
 * in their results, so a pipeline's usage includes its children's and fan-outs', and a budget holds across all of
 * them. Answers the `geminiUsage` query and keeps the `geminiUsage` memo.
 */
export class GeminiUsageTracker {
  private readonly meter: UsageMeter;
  private readonly guard?: BudgetGuard;
  private published = '';

  constructor(
    budget: Budget | undefined,
    private readonly options: TrackUsageOptions = {},
  ) {
    this.meter = new UsageMeter(options.carried?.usage);
    if (budget) {
      let desk = options.desk;
      const deskOf = () => (desk ??= budgetApprovalDesk());
      this.guard = new BudgetGuard(budget, this.meter, deskOf, () => this.publish(), options.carried?.budget);
    }
    setHandler(geminiUsageQuery, () => this.report());
  }

  get hasBudget(): boolean {
    return this.guard !== undefined;
  }

  /** Whether the budget is used up (the next job would ask or stop). */
  budgetReached(): boolean {
    return this.guard?.reached() ?? false;
  }

  /**
   * Call before starting a Gemini job (or a child that starts some): resolves at once within budget; otherwise asks a
   * person and resolves once they allow more, or throws a BudgetExceeded ApplicationFailure (`fail`, denied, timed
   * out). `what` names the job in the question and the failure.
   */
  async beforeJob(what: string): Promise<void> {
    await this.guard?.beforeJob(what, () => this.report());
  }

  /** One of this run's own jobs; `usage` as its activity read it from Gemini (a job without one still counts). */
  recordJob(model: string, usage: TokenUsage | undefined): void {
    this.meter.recordJob(model, usage ?? noTokens());
    this.publish();
  }

  /** A child's result: its `geminiUsage`, if it has one, and a budget a person raised there. */
  addChild(result: unknown): void {
    const usage = readGeminiUsage((result as { geminiUsage?: unknown } | undefined)?.geminiUsage);
    if (!usage) return;
    this.meter.addChild(usage);
    this.guard?.adopt(usage.budget);
    this.publish();
  }

  /** A child's failure: a budget failure carries the child's usage in its details (others carry none). */
  addChildFailure(err: unknown): void {
    for (let e = err as { details?: unknown[]; cause?: unknown } | undefined, depth = 0; e && depth < 10; depth++) {
      const detail = e.details?.[0] as { geminiUsage?: unknown } | undefined;
      if (detail?.geminiUsage) {
        this.addChild(detail);
        return;
      }
      e = e.cause as typeof e;
    }
  }

  /** The budget to hand to a child in its input (`budget`), or undefined when this run has none. */
  forChild(): Budget | undefined {
    return this.guard?.forChild();
  }

  /**
   * `executeChild` for a stage of a pipeline: checks the budget first, passes it to the child in its first
   * argument's `budget` (when that is an object), and adds the child's usage from its result (or budget failure).
   */
  async executeChild<W extends Workflow>(
    workflow: W | string,
    options: ChildOptions<W>,
  ): Promise<WorkflowResultType<W>> {
    const type = typeof workflow === 'string' ? workflow : workflow.name;
    await this.beforeJob(`child ${options.workflowId ?? type}`);
    try {
      const withBudget = { ...options, args: this.withBudget(options.args) } as WithWorkflowArgs<
        W,
        ChildWorkflowOptions
      >;
      const result = await executeChild<W>(type, withBudget);
      this.addChild(result);
      return result;
    } catch (err) {
      this.addChildFailure(err);
      throw err;
    }
  }

  /** A child's arguments with the budget in the first one, when this run has a budget and it is a plain object. */
  withBudget<Args extends unknown[]>(args: Args): Args {
    const budget = this.forChild();
    const [first, ...rest] = args;
    if (!budget || typeof first !== 'object' || first === null || Array.isArray(first)) return args;
    return [{ ...first, budget }, ...rest] as Args;
  }

  report(): GeminiUsage {
    return { ...this.meter.view(), ...(this.guard ? { budget: this.guard.view() } : {}) };
  }

  /** Upserts the memo when usage changed (every change, unless the run publishes it itself). */
  publish(force = false): void {
    if (this.options.publish === 'manual' && !force) return;
    const view = this.report();
    const line = JSON.stringify(view);
    if (line === this.published || !patched(usageMemoPatch)) return;
    this.published = line;
    upsertMemo({ [geminiUsageMemoKey]: view });
  }

  carry(): GeminiUsageCarry {
    return { usage: this.meter.view(), ...(this.guard ? { budget: this.guard.carry() } : {}) };
  }
}

/** The usage and budget of this run; call once, near the top of the workflow (it sets the `geminiUsage` query). */
export function trackGeminiUsage(budget?: Budget, options?: TrackUsageOptions): GeminiUsageTracker {
  return new GeminiUsageTracker(budget, options);
}
