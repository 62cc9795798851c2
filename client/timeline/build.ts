import type { temporal } from '@temporalio/proto';
import { defaultPriceTable, type PriceTable } from '../../contract';
import { iso } from './durations';
import { type RunFacts, runFacts } from './history-facts';
import { describeRun, fillRunRow, rootRow } from './run-rows';
import type { RunTimeline, TimelineRow } from './types';
import { sumUsage, type UsageCounts, withCost } from './usage';

/** Where run histories come from: Temporal (temporalHistories), or saved ones in tests. */
export interface HistorySource {
  /** One run's history (the latest run when `runId` is absent); undefined when Temporal no longer keeps it. */
  history(workflowId: string, runId?: string): Promise<temporal.api.history.v1.IHistory | undefined>;
}

export interface TimelineLimits {
  /** Run histories read at most, the run's own included (default 60). */
  maxHistories?: number;
  /** Child runs of one run with a row of their own (default 25); the rest share one row. */
  maxChildRuns?: number;
  /** Runs of one continue-as-new chain read at most, the latest ones (default 20). */
  maxChainRuns?: number;
  /** What estimated costs are computed with (default: the default price table). */
  prices?: PriceTable;
}

/** Thrown when the run has no history to read. */
export class TimelineNotFoundError extends Error {
  override name = 'TimelineNotFoundError';
}

/**
 * A run's timeline from its history and its child runs' (breadth first, so the stages of a pipeline come before the
 * items of its fan-outs when the limit is reached), nested as the runs are.
 */
export async function buildTimeline(
  source: HistorySource,
  workflowId: string,
  limits: TimelineLimits = {},
  now = Date.now(),
): Promise<RunTimeline> {
  const maxHistories = limits.maxHistories ?? 60;
  const maxChainRuns = limits.maxChainRuns ?? 20;
  let read = 0;
  const facts = async (id: string, runId?: string) => {
    const history = await source.history(id, runId);
    if (!history?.events?.length) return undefined;
    read++;
    return runFacts(id, history);
  };

  // The root: its latest run, then back through the runs it continued from.
  const latest = await facts(workflowId);
  if (!latest) throw new TimelineNotFoundError(`no run with workflow id ${workflowId}`);
  const chain: RunFacts[] = [latest];
  while (chain[0]!.previousRunId && chain.length < maxChainRuns && read < maxHistories) {
    const previous = await facts(workflowId, chain[0]!.previousRunId);
    if (!previous) break;
    chain.unshift(previous);
  }
  const root = rootRow(chain);
  if (chain[0]!.previousRunId) root.details.push('earlier runs of its continue-as-new chain are not shown');
  const fill = { maxChildRuns: limits.maxChildRuns ?? 25, prices: limits.prices ?? defaultPriceTable };
  let frontier = fillRunRow(root, chain, fill);

  let notRead = 0;
  while (frontier.length) {
    const toRead = frontier.filter((child) => child.run!.runIds.length > 0);
    const allowed = toRead.slice(0, Math.max(0, maxHistories - read));
    for (const child of toRead.slice(allowed.length)) {
      notRead++;
      child.details.push(`not read: the timeline reads at most ${maxHistories} run histories`);
    }
    const next: TimelineRow[] = [];
    // A few at a time: enough to be quick, not so many that a large fan-out floods the server.
    for (let i = 0; i < allowed.length; i += 8) {
      const batch = allowed.slice(i, i + 8);
      const chains = await Promise.all(batch.map((child) => chainFrom(child, facts, maxChainRuns)));
      for (const [j, childChain] of chains.entries()) {
        const child = batch[j]!;
        if (childChain.length) next.push(...fillRunRow(child, childChain, fill));
        else child.details.push('its history is no longer kept');
      }
    }
    frontier = next;
  }
  finishRuns(root, fill.prices);
  return {
    workflowId,
    type: latest.type,
    state: root.state,
    start: root.start,
    end: root.end ?? iso(Math.max(now, latest.lastEventAt)),
    readAt: iso(now),
    pricesOf: fill.prices.date,
    root,
    historiesRead: read,
    runsNotRead: notRead,
  };
}

/** A child's runs from its first, following its continue-as-new chain forward. */
async function chainFrom(
  child: TimelineRow,
  facts: (id: string, runId?: string) => Promise<RunFacts | undefined>,
  maxChainRuns: number,
): Promise<RunFacts[]> {
  const { workflowId, runIds } = child.run!;
  const chain: RunFacts[] = [];
  let runId: string | undefined = runIds[0];
  while (runId && chain.length < maxChainRuns) {
    const run = await facts(workflowId, runId);
    if (!run) break;
    chain.push(run);
    runId = run.closed?.nextRunId;
  }
  if (runId && chain.length) child.details.push('later runs of its continue-as-new chain are not shown');
  return chain;
}

/** Run rows' summaries, and their usage: what they published, else their own jobs' and children's summed. */
function finishRuns(row: TimelineRow, prices: PriceTable): UsageCounts | undefined {
  let sum: UsageCounts | undefined;
  for (const child of row.children) sum = sumUsage(sum, child.kind === 'run' ? finishRuns(child, prices) : child.usage);
  if (row.kind !== 'run') return row.usage;
  row.summary = describeRun(row);
  if (!row.usage && sum) row.usage = withCost(sum, prices);
  return row.usage;
}
