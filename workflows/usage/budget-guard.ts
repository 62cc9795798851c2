import { ApplicationFailure } from '@temporalio/workflow';
import {
  type Budget,
  type BudgetLimits,
  type BudgetSpent,
  type BudgetState,
  type BudgetView,
  budgetToolName,
  budgetToolSpec,
  describeUsd,
  estimateCost,
  formatCount,
  GeminiflowFailure,
  type GeminiUsage,
  type PriceTable,
  type ToolSpec,
} from '../../contract';
import { geminiPriceTable } from '../activities';
import type { ApprovalRequest } from '../agent/approval-desk';
import type { ApprovalOutcome } from '../agent/approvals';
import { badInput } from '../job-failures';
import type { BudgetCarry } from './carry';
import type { UsageMeter } from './meter';

/** Where a reached budget asks a person: the run's approval desk (an agent's own, or one made for the budget). */
export interface BudgetDesk {
  decide(request: ApprovalRequest, spec: ToolSpec): Promise<ApprovalOutcome>;
  settled(): Promise<void>;
}

const defaultApprovalTimeout = '1 day';

/** Checks a budget given as workflow input once, at start: a bad one is refused before anything runs. */
export function checkBudget(budget: Budget): void {
  const { maxTokens, maxCostUsd, onExceeded } = budget;
  if (maxTokens === undefined && maxCostUsd === undefined) throw badInput('a budget needs maxTokens or maxCostUsd');
  if (maxTokens !== undefined && !(Number.isInteger(maxTokens) && maxTokens > 0))
    throw badInput('budget.maxTokens must be a positive whole number');
  if (maxCostUsd !== undefined && !(typeof maxCostUsd === 'number' && Number.isFinite(maxCostUsd) && maxCostUsd > 0))
    throw badInput('budget.maxCostUsd must be a positive number of US dollars');
  if (onExceeded !== undefined && onExceeded !== 'ask' && onExceeded !== 'fail')
    throw badInput("budget.onExceeded must be 'ask' or 'fail'");
}

/**
 * A run's budget: before each new Gemini job (or child that starts some), is the pipeline's spending still under its
 * limits? Spending is what the pipeline had used when this run started (`budget.spent`, from the parent) plus this
 * run's own jobs and its finished children. When it is not: `fail` throws BudgetExceeded; `ask` opens a call of the
 * `geminiflow_budget` pseudo-tool on the run's approval desk and waits, then takes the limits a person allowed, or
 * stops. Deterministic: it reads only what the run's history holds.
 */
export class BudgetGuard {
  private limits: BudgetLimits;
  private raised: number;
  private asks: number;
  private prices?: PriceTable;
  private state: BudgetState = 'within';
  private readonly before: BudgetSpent;
  private deskInUse?: BudgetDesk;

  constructor(
    private readonly budget: Budget,
    private readonly meter: UsageMeter,
    private readonly desk: () => BudgetDesk,
    /** Told when the state changes (asking, stopped), so the run can publish it. */
    private readonly onChange: () => void,
    carried?: BudgetCarry,
  ) {
    checkBudget(budget);
    this.limits = carried?.limits ?? { maxTokens: budget.maxTokens, maxCostUsd: budget.maxCostUsd };
    this.raised = carried?.raised ?? 0;
    this.asks = carried?.asks ?? 0;
    this.prices = carried?.prices ?? budget.prices;
    this.before = { tokens: budget.spent?.tokens ?? 0, costUsd: budget.spent?.costUsd ?? 0 };
  }

  get onExceeded(): 'ask' | 'fail' {
    return this.budget.onExceeded ?? 'fail';
  }

  spent(): { tokens: number; costUsd?: number } {
    const tokens = this.before.tokens + this.meter.totalTokens;
    if (!this.prices) return { tokens };
    return { tokens, costUsd: this.before.costUsd + estimateCost(this.meter.models(), this.prices).usd };
  }

  reached(): boolean {
    const spent = this.spent();
    const { maxTokens, maxCostUsd } = this.limits;
    return (
      (maxTokens !== undefined && spent.tokens >= maxTokens) ||
      (maxCostUsd !== undefined && (spent.costUsd ?? 0) >= maxCostUsd)
    );
  }

  /**
   * Resolves when the next job may start; throws a BudgetExceeded ApplicationFailure when the budget stops the run.
   * `usage` is the run's usage, put into the failure's details.
   */
  async beforeJob(what: string, usage: () => GeminiUsage): Promise<void> {
    if (this.limits.maxCostUsd !== undefined && !this.prices) this.prices = await geminiPriceTable();
    while (this.reached()) {
      const reached = `budget reached before ${what}: ${this.describeSpent()}`;
      if (this.onExceeded === 'fail') throw this.stop(reached, usage);
      this.state = 'waiting_for_approval';
      this.onChange();
      const outcome = await this.ask(what);
      if (outcome.kind === 'approved' || outcome.kind === 'edited') {
        this.limits = outcome.arguments as BudgetLimits;
        this.raised++;
        this.state = 'within';
        this.onChange();
        continue;
      }
      await this.settled();
      const why =
        outcome.kind === 'timed_out'
          ? `nobody decided within ${this.budget.approvalTimeout ?? defaultApprovalTimeout}`
          : `${outcome.kind} by ${outcome.decision.reviewer ?? 'a person'}${outcome.decision.reason ? `: ${outcome.decision.reason}` : ''}`;
      throw this.stop(`${reached}; ${why}`, usage);
    }
  }

  /** The budget a child gets: the same limits, and what the pipeline has used so far. */
  forChild(): Budget {
    const spent = this.spent();
    return {
      ...this.limits,
      onExceeded: this.onExceeded,
      ...(this.budget.approvalTimeout !== undefined ? { approvalTimeout: this.budget.approvalTimeout } : {}),
      ...(this.prices ? { prices: this.prices } : {}),
      spent: { tokens: spent.tokens, costUsd: spent.costUsd ?? 0 },
    };
  }

  /** A child's limits, when a person raised them there: the whole pipeline goes on with the higher ones. */
  adopt(child: BudgetView | undefined): void {
    if (!child?.limits) return;
    const higher = (a: number | undefined, b: number | undefined) =>
      a === undefined ? undefined : b === undefined ? a : Math.max(a, b);
    this.limits = {
      maxTokens: higher(this.limits.maxTokens, child.limits.maxTokens),
      maxCostUsd: higher(this.limits.maxCostUsd, child.limits.maxCostUsd),
    };
  }

  view(): BudgetView {
    return {
      limits: { ...this.limits },
      spent: this.spent(),
      onExceeded: this.onExceeded,
      state: this.state === 'within' && this.reached() ? 'reached' : this.state,
      raised: this.raised,
      ...(this.prices ? { pricesOf: this.prices.date } : {}),
    };
  }

  /** Resolves once the notifications about a budget decision are sent or given up on (bounded). */
  async settled(): Promise<void> {
    await this.deskInUse?.settled();
  }

  carry(): BudgetCarry {
    return {
      limits: { ...this.limits },
      raised: this.raised,
      asks: this.asks,
      ...(this.prices ? { prices: this.prices } : {}),
    };
  }

  private ask(what: string): Promise<ApprovalOutcome> {
    const timeout = this.budget.approvalTimeout ?? defaultApprovalTimeout;
    this.asks++;
    const request: ApprovalRequest = {
      callId: `budget-${this.asks}`,
      tool: budgetToolName,
      arguments: this.proposal(),
      note: `The pipeline reached its budget before ${what}: ${this.describeSpent()}. Approve to go on with the proposed limits, edit them, or deny to stop the pipeline.`,
      interactionId: '',
    };
    this.deskInUse ??= this.desk();
    return this.deskInUse.decide(request, budgetToolSpec(timeout));
  }

  /** Another budget's worth above what is spent (or above the limit, if higher). */
  private proposal(): BudgetLimits {
    const spent = this.spent();
    const { maxTokens, maxCostUsd } = this.limits;
    const step = { tokens: this.budget.maxTokens ?? 0, usd: this.budget.maxCostUsd ?? 0 };
    return {
      ...(maxTokens !== undefined ? { maxTokens: Math.max(maxTokens, spent.tokens) + step.tokens } : {}),
      ...(maxCostUsd !== undefined
        ? { maxCostUsd: Math.ceil((Math.max(maxCostUsd, spent.costUsd ?? 0) + step.usd) * 100) / 100 }
        : {}),
    };
  }

  private describeSpent(): string {
    const spent = this.spent();
    const parts: string[] = [];
    if (this.limits.maxTokens !== undefined)
      parts.push(`${formatCount(spent.tokens)} of ${formatCount(this.limits.maxTokens)} tokens`);
    if (this.limits.maxCostUsd !== undefined)
      parts.push(`~${describeUsd(spent.costUsd ?? 0)} of $${this.limits.maxCostUsd} estimated`);
    return `${parts.join(', ')} used`;
  }

  private stop(message: string, usage: () => GeminiUsage): ApplicationFailure {
    this.state = 'stopped';
    this.onChange();
    return ApplicationFailure.nonRetryable(message, GeminiflowFailure.budgetExceeded, { geminiUsage: usage() });
  }
}
