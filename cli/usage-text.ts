import type { UsageWithCost } from '../client';
import { type BudgetView, describeTokens, describeUsd, formatCount } from '../contract';

/** The estimated cost as people read it: `~$0.0123 est.`, with the models it could not price. */
export function costText(u: UsageWithCost): string {
  const unpriced = u.cost.unpriced.length ? ` + unpriced ${u.cost.unpriced.join(', ')}` : '';
  return `~${describeUsd(u.cost.usd)} est.${unpriced}`;
}

/** One cell of `list`: the pipeline's tokens and estimated cost, e.g. `1,234 tok, ~$0.0012 est.`. */
export function usageCell(u: UsageWithCost | undefined): string {
  if (!u || (u.total.jobs === 0 && !u.budget)) return '-';
  return `${formatCount(u.total.totalTokens)} tok, ${costText(u)}`;
}

export function budgetText(b: BudgetView): string {
  const parts: string[] = [];
  if (b.limits.maxTokens !== undefined)
    parts.push(`${formatCount(b.spent.tokens)} of ${formatCount(b.limits.maxTokens)} tokens`);
  if (b.limits.maxCostUsd !== undefined)
    parts.push(`~${describeUsd(b.spent.costUsd ?? 0)} of $${b.limits.maxCostUsd} est.`);
  const raised = b.raised ? `, raised ${b.raised} time(s)` : '';
  return `${parts.join(', ')} used; ${b.state.replaceAll('_', ' ')} (when reached: ${b.onExceeded}${raised})`;
}

/** `status`'s lines about usage: the pipeline's total and cost, this run's own share, each model, the budget. */
export function usageRows(u: UsageWithCost): [string, string][] {
  const rows: [string, string][] = [
    ['usage', `${describeTokens(u.total)}, ${costText(u)} (prices of ${u.cost.pricesOf})`],
  ];
  if (u.children) rows.push(['', `this run's own jobs: ${describeTokens(u.own)}; ${u.children} child run(s) reported`]);
  for (const [model, m] of Object.entries(u.byModel)) {
    const usd = u.cost.byModel[model];
    rows.push([
      'by model',
      `${model}: ${formatCount(m.totalTokens)} tokens in ${m.jobs} job(s)${usd !== undefined ? `, ~${describeUsd(usd)}` : ', no price'}`,
    ]);
  }
  if (u.budget) rows.push(['budget', budgetText(u.budget)]);
  return rows;
}
