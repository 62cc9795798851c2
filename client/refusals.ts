import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { closedCallReason } from '../contract';
import { approvalLogQuery } from '../workflows';
import { readPublishedState } from './published';
import { within } from './within';

/**
 * A decision that was not taken and never will be: unknown, stale or repeated call, a call that timed out, a kind the
 * tool does not allow, edited arguments that do not fit, a reviewer the tool's approver rules exclude, a run that has
 * ended, or a decision that could not be recorded. The message is the reason; sending the same decision again cannot
 * succeed.
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

/**
 * Why a decision for a run that has ended is refused, as precisely as the run left it: how and when the call closed
 * (its memo; for runs from before this version, the audit record, which a worker can still answer for a closed run).
 */
export async function lateDecisionReason(
  client: Client,
  workflowId: string,
  callId: string,
  answerBy: number,
  err?: Error,
): Promise<string> {
  const ended = 'the run has ended';
  let state: Awaited<ReturnType<typeof readPublishedState>> | undefined;
  try {
    state = await within(client, answerBy, () => readPublishedState(client, workflowId));
  } catch (described) {
    if (described instanceof WorkflowNotFoundError) return `no run ${workflowId}: ${described.message}`;
  }
  const closed = state?.published?.closed.find((c) => c.callId === callId);
  if (closed) return `${closedCallReason(callId, closed)}; ${ended}`;
  const log = await within(client, answerBy, () => client.workflow.getHandle(workflowId).query(approvalLogQuery)).catch(
    () => undefined,
  );
  const record = log?.find((r) => r.callId === callId);
  if (record && record.status !== 'pending') {
    const at = record.status === 'timed_out' ? record.deadline : record.decidedAt;
    if (at) return `${closedCallReason(callId, { status: record.status, at })}; ${ended}`;
  }
  return `call ${callId} is no longer pending: ${ended}${err ? ` (${err.message})` : ''}`;
}
