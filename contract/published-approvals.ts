import type { ApprovalStatus, PendingApproval } from './approvals';

/**
 * What an agent run publishes about its approvals in its memo, readable without a worker (`describe`, and every
 * listing of runs): the calls that wait, with the tool's JSON Schema and decision rules, so a client can check a
 * decision and record it durably while the worker is down; and the latest calls that closed, so a late decision is
 * answered with how and when its call ended, even after the run ended.
 */
export const approvalsMemoKey = 'approvals';

/** A call that no longer waits: how it ended, and when (for a timeout: its deadline). */
export interface ClosedCall {
  callId: string;
  tool: string;
  status: Exclude<ApprovalStatus, 'pending'>;
  at: string;
}

export interface PublishedApprovals {
  pending: PendingApproval[];
  /** The latest closed calls, oldest first. */
  closed: ClosedCall[];
}

/** The published approvals in a run's memo, when it holds well-formed ones. */
export function publishedApprovalsOf(memo: Record<string, unknown> | undefined): PublishedApprovals | undefined {
  const value = memo?.[approvalsMemoKey] as Partial<PublishedApprovals> | undefined;
  if (!value || !Array.isArray(value.pending) || !Array.isArray(value.closed)) return undefined;
  return { pending: value.pending, closed: value.closed };
}

/** Why a decision about a closed call is refused: how the call ended, and when. */
export function closedCallReason(callId: string, closed: Pick<ClosedCall, 'status' | 'at'>): string {
  if (closed.status === 'timed_out') {
    return `call ${callId} is no longer pending: it timed out at ${closed.at} (nobody decided by its deadline)`;
  }
  const how = { auto: 'run without a person, by its rule', refused: 'refused by its rule' }[
    closed.status as 'auto' | 'refused'
  ];
  return `call ${callId} was already ${how ?? closed.status} (at ${closed.at})`;
}
