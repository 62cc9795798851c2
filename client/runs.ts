import {
  type Client,
  QueryNotRegisteredError,
  type WorkflowExecutionDescription,
  type WorkflowExecutionInfo,
  WorkflowFailedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import {
  deadLetterWorkflowType,
  GeminiFanOutProgress,
  GeminiResourceIds,
  GeminiWaitingFor,
  GeminiWaitingSince,
  geminiUsageQuery,
  mailboxWorkflowType,
  type PriceTable,
} from '../contract';
import {
  type AgentPhase,
  agentStateQuery,
  type FanOutProgress,
  type GeminiWaitsState,
  geminiWaitsQuery,
  type PendingApproval,
  pendingApprovalsQuery,
} from '../workflows';
import { type FanOutSummary, fanOutSummaryOf, fanOutsOfRun } from './fan-outs';
import { taskQueuePollers } from './task-queue';
import { isDeadlineExceeded, unansweredQueryError } from './temporal-errors';
import { type UsageWithCost, usageFromMemo, withCost } from './usage';

/** One run as a listing shows it, from Temporal's visibility store and geminiflow's search attributes. */
export interface RunSummary {
  workflowId: string;
  runId: string;
  type: string;
  /** RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, TIMED_OUT, CONTINUED_AS_NEW. */
  status: string;
  startTime: string;
  closeTime?: string;
  /** What the run waits for on Gemini right now (GeminiWaitingFor), e.g. `interaction interactions/abc`. */
  waitingFor?: string;
  waitingSince?: string;
  resourceIds: string[];
  /** A fan-out's counts as it last published them (every 5 s at most, and at its start and end). */
  fanOut?: FanOutSummary;
  /**
   * Gemini usage as the run last published it (the `geminiUsage` memo): its own jobs, its children's that reported
   * back (`total` is the pipeline's), its budget, and an estimated cost. Absent for runs that started no job.
   */
  usage?: UsageWithCost;
}

export interface ListRunsOptions {
  /** Only running runs that wait on Gemini right now. */
  waiting?: boolean;
  /** Only runs of this workflow type. */
  type?: string;
  /** Only fan-outs (runs that publish GeminiFanOutProgress), without the runs they continued as new from. */
  fanOuts?: boolean;
  /** Only runs still running. */
  running?: boolean;
  /** Only runs in one of these states. */
  status?: RunState[];
  /**
   * Only runs whose workflow id contains this text (any case). Visibility cannot match inside an id, so the newest
   * `maxScannedForText` runs that match the other filters are looked through.
   */
  idContains?: string;
  /** Leave out this many matching runs first: the next page starts at `offset` + the page's length. */
  offset?: number;
  /** Default 100. */
  limit?: number;
}

/** How a run stands, as a listing filters it (RunSummary's `status`, in lower case; `continued`: continued as new). */
export const runStates = [
  'running',
  'completed',
  'failed',
  'cancelled',
  'terminated',
  'timed_out',
  'continued',
] as const;
export type RunState = (typeof runStates)[number];

/** Visibility's ExecutionStatus of each state. */
const executionStatus: Record<RunState, string> = {
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Canceled',
  terminated: 'Terminated',
  timed_out: 'TimedOut',
  continued: 'ContinuedAsNew',
};

/** Runs looked through at most for an `idContains` filter. */
export const maxScannedForText = 10_000;

/** Everything a person asks about one run. */
export interface RunStatus extends RunSummary {
  historyLength: number;
  /** What it waits for and since when, and how earlier waits ended (runs that wait on Gemini events). */
  waits?: GeminiWaitsState;
  /** Calls waiting for a person (agent runs). */
  pendingApprovals?: PendingApproval[];
  agent?: { phase: AgentPhase; turn: number };
  /** Child runs still going: for a pipeline, the stage it is in. */
  runningChildren: { workflowId: string; type: string }[];
  /** Live progress of the run's fan-out (a `fanOutJobs` run), or of the fan-outs started under its id. */
  fanOuts?: FanOutProgress[];
}

/** Workflows the receiver runs for itself; a listing of the user's runs leaves them out unless asked by type. */
const receiverTypes = [deadLetterWorkflowType, mailboxWorkflowType];
const typeName = /^[A-Za-z_$][\w$.-]{0,199}$/;

export class InvalidRunFilterError extends Error {
  override name = 'InvalidRunFilterError';
}

/** The visibility query of a listing; a type that is not a plain name is refused, so nothing is injected. */
export function runsQuery(opts: ListRunsOptions): string {
  const clauses: string[] = [];
  if (opts.type !== undefined) {
    if (!typeName.test(opts.type)) throw new InvalidRunFilterError(`"${opts.type}" is not a workflow type name`);
    clauses.push(`WorkflowType = '${opts.type}'`);
  } else {
    clauses.push(`WorkflowType NOT IN (${receiverTypes.map((t) => `'${t}'`).join(', ')})`);
  }
  if (opts.waiting || opts.running) clauses.push(`ExecutionStatus = 'Running'`);
  if (opts.status?.length) {
    const unknown = opts.status.find((s) => !runStates.includes(s));
    if (unknown !== undefined)
      throw new InvalidRunFilterError(`"${unknown}" is not a run status (one of ${runStates.join(', ')})`);
    clauses.push(`ExecutionStatus IN (${[...new Set(opts.status)].map((s) => `'${executionStatus[s]}'`).join(', ')})`);
  }
  if (opts.waiting) clauses.push(`${GeminiWaitingFor.name} IS NOT NULL`);
  if (opts.fanOuts) clauses.push(`${GeminiFanOutProgress.name} IS NOT NULL`);
  // A fan-out's earlier runs carry old counts; they show only when asked for by status.
  if (opts.fanOuts && !opts.status?.length) clauses.push(`ExecutionStatus != 'ContinuedAsNew'`);
  return clauses.join(' AND ');
}

function summaryOf(info: Omit<WorkflowExecutionInfo, 'raw'>, prices: PriceTable): RunSummary {
  const attrs = info.typedSearchAttributes;
  const since = attrs.get(GeminiWaitingSince);
  const fanOut = fanOutSummaryOf(info.memo);
  const usage = usageFromMemo(info.memo, prices);
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    type: info.type,
    status: info.status.name,
    startTime: info.startTime.toISOString(),
    ...(info.closeTime ? { closeTime: info.closeTime.toISOString() } : {}),
    ...(info.status.name === 'RUNNING' && attrs.get(GeminiWaitingFor)
      ? { waitingFor: attrs.get(GeminiWaitingFor), ...(since ? { waitingSince: since.toISOString() } : {}) }
      : {}),
    resourceIds: attrs.get(GeminiResourceIds) ?? [],
    ...(fanOut ? { fanOut } : {}),
    ...(usage ? { usage } : {}),
  };
}

export async function listRuns(client: Client, opts: ListRunsOptions, prices: PriceTable): Promise<RunSummary[]> {
  const runs: RunSummary[] = [];
  const text = opts.idContains?.trim().toLowerCase();
  let [skip, scanned] = [opts.offset ?? 0, 0];
  for await (const info of client.workflow.list({ query: runsQuery(opts) })) {
    if (text) {
      if (++scanned > maxScannedForText) break;
      if (!info.workflowId.toLowerCase().includes(text)) continue;
    }
    if (skip-- > 0) continue;
    runs.push(summaryOf(info, prices));
    if (runs.length >= (opts.limit ?? 100)) break;
  }
  return runs;
}

/** A query the run may not have (not every workflow is an agent); bounded, since it needs a worker to answer. */
async function optionalQuery<T>(client: Client, run: () => Promise<T>, timeoutMs: number): Promise<T | undefined> {
  try {
    return await client.withDeadline(Date.now() + timeoutMs, run);
  } catch (err) {
    if (err instanceof QueryNotRegisteredError) return undefined;
    if (/not registered|unknown queryType|did not register/i.test((err as Error).message)) return undefined;
    throw err;
  }
}

/** A run that ended in failure; the message says which run and why (the workflow's own failure message). */
export class RunFailedError extends Error {
  override name = 'RunFailedError';
}

export class RunNotFoundError extends Error {
  override name = 'RunNotFoundError';
}

export async function describeRun(client: Client, workflowId: string): Promise<WorkflowExecutionDescription> {
  try {
    return await client.workflow.getHandle(workflowId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new RunNotFoundError(`no run with workflow id ${workflowId}`);
    throw err;
  }
}

/**
 * The run's state from Temporal, and, when a worker answers within `queryTimeoutMs`, what it waits for, its pending
 * calls, its agent phase and its fan-outs' progress. A query the workflow does not have is left out, not an error; one
 * that no worker answers is a RunWorkerUnavailableError saying whether any worker polls the run's task queue.
 */
export async function runStatus(
  client: Client,
  workflowId: string,
  prices: PriceTable,
  queryTimeoutMs = 5000,
): Promise<RunStatus> {
  const description = await describeRun(client, workflowId);
  // Queries need the run's worker: without one polling, they would only time out. A closed run still shows what
  // Temporal keeps of it (its state, memo and search attributes); a running one says why it cannot answer.
  const polled = (await taskQueuePollers(client, description.taskQueue)).length > 0;
  if (!polled && description.status.name === 'RUNNING') {
    throw unansweredQueryError(workflowId, description.taskQueue, 0);
  }
  const handle = client.workflow.getHandle(workflowId);
  const ask = <T>(run: () => Promise<T>): Promise<T | undefined> =>
    polled ? optionalQuery(client, run, queryTimeoutMs) : Promise.resolve(undefined);
  const [waits, agent, pending, fanOuts, usage] = await Promise.all([
    ask(() => handle.query(geminiWaitsQuery)),
    ask(() => handle.query(agentStateQuery)),
    ask(() => handle.query(pendingApprovalsQuery)),
    fanOutsOfRun(client, { workflowId, type: description.type }, ask),
    // Live usage (the memo of a fan-out lags by up to 5 s); a run no worker answers for keeps its memo's.
    ask(() => handle.query(geminiUsageQuery)).catch(() => undefined),
  ]).catch(async (err: unknown) => {
    if (!isDeadlineExceeded(err)) throw err;
    const pollers = await taskQueuePollers(client, description.taskQueue);
    throw unansweredQueryError(workflowId, description.taskQueue, pollers.length);
  });
  const pendingApprovals = agent?.pendingApprovals ?? pending;
  const children = description.raw.pendingChildren ?? [];
  return {
    ...summaryOf(description, prices),
    ...(usage ? { usage: withCost(usage, prices) } : {}),
    historyLength: description.historyLength,
    ...(waits ? { waits } : {}),
    ...(pendingApprovals ? { pendingApprovals } : {}),
    ...(agent ? { agent: { phase: agent.phase, turn: agent.turn } } : {}),
    runningChildren: children.map((c) => ({ workflowId: c.workflowId ?? '', type: c.workflowTypeName ?? '' })),
    ...(fanOuts.length ? { fanOuts } : {}),
  };
}

/** Waits for the run's result; a failed run throws RunFailedError with its cause's message. */
export async function runResult<T>(client: Client, workflowId: string): Promise<T> {
  try {
    return await client.workflow.getHandle(workflowId).result();
  } catch (err) {
    if (err instanceof WorkflowFailedError)
      throw new RunFailedError(`run ${workflowId} failed: ${err.cause?.message ?? err.message}`);
    if (err instanceof WorkflowNotFoundError) throw new RunNotFoundError(`no run with workflow id ${workflowId}`);
    throw err;
  }
}
