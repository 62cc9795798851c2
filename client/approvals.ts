import {
  type Client,
  isGrpcServiceError,
  QueryNotRegisteredError,
  QueryRejectedError,
  WorkflowClient,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { type Duration, WorkflowNotFoundError } from '@temporalio/common';
import ms from 'ms';
import {
  type ApprovalDecision,
  type ApprovalRecord,
  type DecidedApproval,
  GeminiPendingApprovals,
  isToolName,
  type PendingApprovalOfRun,
} from '../contract';
import { approvalLogQuery, decideApprovalUpdate, pendingApprovalsQuery } from '../workflows';

/** Which pending calls to list. */
export interface PendingApprovalFilter {
  /** Only calls of this tool. */
  tool?: string;
  /** Only calls waiting at least this long (a Duration), or requested before this moment (a Date). */
  olderThan?: Duration | Date;
  /** Runs per page of the visibility query (default: the server's, typically 1,000); every page is read. */
  pageSize?: number;
  /**
   * How long each run gets to answer (default 5000 ms). A run whose worker is down cannot answer; it is left out and
   * reported to `onUnanswered`, so one stuck run neither fails nor stalls the listing of the others.
   */
  queryTimeoutMs?: number;
  onUnanswered?: (run: { workflowId: string; runId: string; type: string }) => void;
}

/**
 * A decision the run refused: unknown, stale or repeated call, a kind the tool does not allow, edited arguments that
 * do not fit, a run that has ended. The message is the reason; sending the same decision again cannot succeed.
 */
export class ApprovalRefusedError extends Error {
  override name = 'ApprovalRefusedError';
  readonly nonRetryable = true;

  constructor(
    readonly workflowId: string,
    readonly callId: string,
    message: string,
  ) {
    super(message);
    // The reason is the whole story; the client's internals add nothing a person can act on.
    this.stack = `${this.name}: ${message}`;
  }
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
  const runs: { workflowId: string; runId: string; type: string }[] = [];
  for await (const info of client.workflow.list({ query, pageSize: filter.pageSize })) runs.push(info);

  const found: PendingApprovalOfRun[] = [];
  let next = 0;
  const work = async () => {
    while (next < runs.length) {
      const run = runs[next++]!;
      const pending = await client
        .withDeadline(Date.now() + (filter.queryTimeoutMs ?? 5000), () =>
          openOnly.getHandle(run.workflowId, run.runId).query(pendingApprovalsQuery),
        )
        .catch((err: unknown) => {
          if (closedMeanwhile(err)) return [];
          if (!unanswered(err)) throw err;
          filter.onUnanswered?.(run);
          return [];
        });
      for (const p of pending) {
        if (filter.tool && p.tool !== filter.tool) continue;
        if (cutoff !== undefined && Date.parse(p.requestedAt) > cutoff) continue;
        found.push({ ...p, workflowId: run.workflowId, runId: run.runId, workflowType: run.type });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(queriesAtOnce, runs.length) }, work));
  return found.sort((a, b) => a.requestedAt.localeCompare(b.requestedAt) || a.workflowId.localeCompare(b.workflowId));
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

/** No worker answered: none polls the run's task queue (the server says so at once), or none took it in time. */
function unanswered(err: unknown): boolean {
  const cause = (err as { cause?: unknown })?.cause ?? err;
  return isGrpcServiceError(cause) && (cause.code === grpc.deadlineExceeded || cause.code === grpc.failedPrecondition);
}
const grpc = { deadlineExceeded: 4, failedPrecondition: 9 } as const;

function closedMeanwhile(err: unknown): boolean {
  return (
    err instanceof QueryRejectedError || err instanceof WorkflowNotFoundError || err instanceof QueryNotRegisteredError
  );
}

/** Sends a decision; a refusal becomes an ApprovalRefusedError with the run's reason. */
export async function decideApproval(
  client: Client,
  workflowId: string,
  decision: ApprovalDecision,
): Promise<DecidedApproval> {
  try {
    return await client.workflow.getHandle(workflowId).executeUpdate(decideApprovalUpdate, { args: [decision] });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      throw new ApprovalRefusedError(workflowId, decision?.callId, err.cause?.message ?? err.message);
    }
    // A run that has ended (or never was) takes no decision, however often it is sent.
    if (err instanceof WorkflowNotFoundError) {
      throw new ApprovalRefusedError(
        workflowId,
        decision?.callId,
        `call ${decision?.callId} is no longer pending: ${err.message}`,
      );
    }
    throw err;
  }
}

/** The audit record of the run's calls that needed approval. */
export function approvalLog(client: Client, workflowId: string): Promise<ApprovalRecord[]> {
  return client.workflow.getHandle(workflowId).query(approvalLogQuery);
}
