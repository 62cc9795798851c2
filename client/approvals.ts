import {
  type Client,
  isGrpcServiceError,
  QueryNotRegisteredError,
  QueryRejectedError,
  WorkflowClient,
  type WorkflowExecutionInfo,
} from '@temporalio/client';
import { type Duration, WorkflowNotFoundError } from '@temporalio/common';
import ms from 'ms';
import {
  type ApprovalRecord,
  type ClosedCall,
  GeminiPendingApprovals,
  isToolName,
  type PendingApproval,
  type PendingApprovalOfRun,
  type PendingApprovalSource,
  publishedApprovalsOf,
  type RecordedDecision,
} from '../contract';
import { approvalLogQuery, pendingApprovalsQuery } from '../workflows';
import { readPublishedState, recordedDecisions } from './published';

/** Which pending calls to list. */
export interface PendingApprovalFilter {
  /** Only calls of this tool. */
  tool?: string;
  /** Only calls waiting at least this long (a Duration), or requested before this moment (a Date). */
  olderThan?: Duration | Date;
  /** Runs per page of the visibility query (default: the server's, typically 1,000); every page is read. */
  pageSize?: number;
  /**
   * How long each run gets to answer (default 5000 ms). A run whose worker is down cannot answer: its calls come from
   * what it published (its memo), with the decisions recorded for them that wait for the worker; a run of an older
   * version publishes nothing and is left out. Either way it is reported to `onUnanswered`, so one stuck run neither
   * fails nor stalls the listing of the others.
   */
  queryTimeoutMs?: number;
  onUnanswered?: (run: { workflowId: string; runId: string; type: string; published: boolean }) => void;
}

/** A filter that can match nothing: a tool name no tool can have, a duration that is not one. */
export class InvalidApprovalFilterError extends Error {
  override name = 'InvalidApprovalFilterError';
}

const queriesAtOnce = 8;

/** The visibility query for runs with calls waiting for a person (of one tool, if given). */
export function pendingApprovalsVisibilityQuery(tool?: string): string {
  if (tool !== undefined && !isToolName(tool))
    throw new InvalidApprovalFilterError(`invalid tool name ${JSON.stringify(tool)}`);
  const which = tool ? `${GeminiPendingApprovals.name} = '${tool}'` : `${GeminiPendingApprovals.name} IS NOT NULL`;
  return `${which} AND ExecutionStatus = 'Running'`;
}

/**
 * Every call waiting for a person in the namespace: one visibility query (every page), then the `pendingApprovals`
 * query of each run it finds. A run that closed in between is skipped. Oldest request first.
 */
export async function listPendingApprovals(
  client: Client,
  filter: PendingApprovalFilter = {},
): Promise<PendingApprovalOfRun[]> {
  const query = pendingApprovalsVisibilityQuery(filter.tool);
  const cutoff = cutoffOf(filter.olderThan);
  // Queries that a closed run would answer from its last state are refused instead: its calls are no longer pending.
  const openOnly = new WorkflowClient({ ...client.workflow.options, queryRejectCondition: 'NOT_OPEN' });
  const runs: WorkflowExecutionInfo[] = [];
  for await (const info of client.workflow.list({ query, pageSize: filter.pageSize })) runs.push(info);

  const found: PendingApprovalOfRun[] = [];
  let next = 0;
  const work = async () => {
    while (next < runs.length) {
      const run = runs[next++]!;
      const read = await pendingOfRun(client, openOnly, run, filter.queryTimeoutMs ?? 5000);
      if (read.source === 'published' || read.unanswered) {
        filter.onUnanswered?.({ ...run, published: read.source === 'published' });
      }
      for (const p of read.pending) {
        if (filter.tool && p.tool !== filter.tool) continue;
        if (cutoff !== undefined && Date.parse(p.requestedAt) > cutoff) continue;
        found.push({ ...p, workflowId: run.workflowId, runId: run.runId, workflowType: run.type });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(queriesAtOnce, runs.length) }, work));
  return found.sort((a, b) => a.requestedAt.localeCompare(b.requestedAt) || a.workflowId.localeCompare(b.workflowId));
}

type PendingWithRecords = PendingApproval & { source: PendingApprovalSource; recorded?: RecordedDecision[] };

/** One run's pending calls: its live answer, else what it published with the decisions waiting for its worker. */
async function pendingOfRun(
  client: Client,
  openOnly: WorkflowClient,
  run: Pick<WorkflowExecutionInfo, 'workflowId' | 'runId' | 'memo'>,
  timeoutMs: number,
): Promise<{ pending: PendingWithRecords[]; source: PendingApprovalSource; unanswered?: boolean }> {
  try {
    const live = await client.withDeadline(Date.now() + timeoutMs, () =>
      openOnly.getHandle(run.workflowId, run.runId).query(pendingApprovalsQuery),
    );
    return { pending: live.map((p) => ({ ...p, source: 'worker' })), source: 'worker' };
  } catch (err) {
    if (closedMeanwhile(err)) return { pending: [], source: 'worker' };
    if (!unanswered(err)) throw err;
  }
  const published = publishedApprovalsOf(run.memo);
  if (!published) return { pending: [], source: 'worker', unanswered: true };
  const recorded = published.pending.length
    ? await client
        .withDeadline(Date.now() + timeoutMs, () => recordedDecisions(client, run.workflowId, run.runId))
        .catch(() => [] as RecordedDecision[])
    : [];
  return { pending: withRecorded(published.pending, recorded), source: 'published' };
}

function withRecorded(pending: PendingApproval[], recorded: RecordedDecision[]): PendingWithRecords[] {
  return pending.map((p) => {
    const mine = recorded.filter((r) => r.callId === p.callId);
    return { ...p, source: 'published', ...(mine.length ? { recorded: mine } : {}) };
  });
}

/** One run's approvals for a page or a command: its calls (live, or as published), its audit record, its closed calls. */
export interface RunApprovals {
  workflowId: string;
  source: PendingApprovalSource;
  /** Each with where it was read from and, when from what the run published, the decisions waiting for its worker. */
  pending: (PendingApproval & { source: PendingApprovalSource; recorded?: RecordedDecision[] })[];
  /** The audit record, when a worker answered. */
  log?: ApprovalRecord[];
  /** The latest calls that closed, as the run published them. */
  closed: ClosedCall[];
  running: boolean;
}

export interface RunApprovalsOptions {
  /** How long the run's worker gets to answer (default 2000 ms). */
  queryTimeoutMs?: number;
  /** The calls as the run last published them, without asking its worker (no wait, no audit record). */
  publishedFirst?: boolean;
}

/** A run's approvals, from its worker when one answers within `queryTimeoutMs`, else from what it published. */
export async function approvalsOfRun(
  client: Client,
  workflowId: string,
  opts: RunApprovalsOptions = {},
): Promise<RunApprovals> {
  const timeoutMs = opts.queryTimeoutMs ?? 2000;
  const state = await readPublishedState(client, workflowId);
  const handle = client.workflow.getHandle(workflowId);
  const closed = state.published?.closed ?? [];
  if (opts.publishedFirst && state.running && state.published) {
    const pending = state.published.pending.map((p) => ({ ...p, source: 'published' as const }));
    return { workflowId, source: 'published', pending, closed, running: true };
  }
  try {
    const [live, log] = await client.withDeadline(Date.now() + timeoutMs, () =>
      Promise.all([handle.query(pendingApprovalsQuery), handle.query(approvalLogQuery)]),
    );
    const pending = state.running ? live.map((p) => ({ ...p, source: 'worker' as const })) : [];
    return { workflowId, source: 'worker', pending, log, closed, running: state.running };
  } catch (err) {
    if (!unanswered(err) && !closedMeanwhile(err)) throw err;
  }
  if (!state.running || !state.published)
    return { workflowId, source: 'published', pending: [], closed, running: state.running };
  const recorded = await client
    .withDeadline(Date.now() + timeoutMs, () => recordedDecisions(client, workflowId, state.runId))
    .catch(() => [] as RecordedDecision[]);
  return {
    workflowId,
    source: 'published',
    pending: withRecorded(state.published.pending, recorded),
    closed,
    running: true,
  };
}

function cutoffOf(olderThan: PendingApprovalFilter['olderThan']): number | undefined {
  if (olderThan === undefined) return undefined;
  if (olderThan instanceof Date) return olderThan.getTime();
  const waited = typeof olderThan === 'number' ? olderThan : ms(olderThan);
  if (typeof waited !== 'number' || !Number.isFinite(waited)) {
    throw new InvalidApprovalFilterError(`invalid duration ${String(olderThan)}`);
  }
  return Date.now() - waited;
}

/**
 * No worker answered: none polls the run's task queue (the server says so at once), or none took it in time (our
 * deadline passed; near it, the server may cancel the call instead).
 */
function unanswered(err: unknown): boolean {
  const cause = (err as { cause?: unknown })?.cause ?? err;
  return isGrpcServiceError(cause) && (grpc.unanswered as readonly number[]).includes(cause.code);
}
const grpc = { unanswered: [1, 4, 9] } as const; // CANCELLED, DEADLINE_EXCEEDED, FAILED_PRECONDITION

function closedMeanwhile(err: unknown): boolean {
  return (
    err instanceof QueryRejectedError || err instanceof WorkflowNotFoundError || err instanceof QueryNotRegisteredError
  );
}

/** The audit record of the run's calls that needed approval. */
export function approvalLog(client: Client, workflowId: string): Promise<ApprovalRecord[]> {
  return client.workflow.getHandle(workflowId).query(approvalLogQuery);
}
