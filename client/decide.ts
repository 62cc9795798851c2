import { randomUUID } from 'node:crypto';
import {
  type Client,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  WorkflowUpdateStage,
} from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import {
  type ApprovalDecision,
  type ApprovalVote,
  checkAgainstCall,
  closedCallReason,
  type DecidedApproval,
  type DecisionKind,
  namesReviewers,
  type PendingApproval,
  type RecordedDecision,
  readDecision,
  stillNeeded,
} from '../contract';
import { decideApprovalUpdate, recordDecisionSignal } from '../workflows';
import { editProblem, type PublishedState, readPublishedState, recordedDecisions } from './published';
import { ApprovalRefusedError, lateDecisionReason } from './refusals';
import { DeadlinePassedError, within } from './within';

/**
 * What became of a decision, within about 2 seconds of sending it. Exactly one of: `applied` (the run took it: the
 * call is decided, or with a quorum, this approval counts and `waitingFor` says who else must approve), `recorded`
 * (no worker took it in time; it is recorded durably in the run's history and applied once, by the same rules, when a
 * worker runs the run again), or a rejection with `ApprovalRefusedError` (it was not taken and never will be).
 */
export type DecisionReceipt =
  | ({ state: 'applied'; workflowId: string } & DecidedApproval)
  | {
      state: 'recorded';
      workflowId: string;
      callId: string;
      kind: DecisionKind;
      decisionId: string;
      reviewer?: string;
      reason?: string;
      recordedAt: string;
      /** Why it was recorded rather than applied. */
      why: string;
    };

export interface DecideOptions {
  /** How long the run's worker gets to take the decision (default 1200 ms); after that it is recorded durably. */
  workerWaitMs?: number;
  /** When the answer is due at the latest (default 1800 ms): a decision not recorded by then is refused. */
  answerWithinMs?: number;
}

/**
 * Margin for a clock here that runs ahead of the server's: the run refuses the update from `acceptBy` on, this long
 * before this client stops waiting for it, so an update reported as not taken cannot be taken after all.
 */
const clockMarginMs = 300;
/** Kept for the record itself: the reads a record needs stop this long before the answer is due. */
const recordMs = 300;
/** A worker that is up takes a decision within this (typically a few ms); past it, the record's reads start. */
const readsAfterMs = 250;

/** The run as it published itself, and the decisions already recorded for it, each settled by `deadline`. */
function readForRecord(client: Client, workflowId: string, deadline: number) {
  return {
    published: within(client, deadline, () => readPublishedState(client, workflowId)).catch((err: unknown) =>
      err instanceof Error ? err : new Error(String(err)),
    ),
    alreadyRecorded: within(client, deadline, () => recordedDecisions(client, workflowId)).catch(
      () => [] as RecordedDecision[],
    ),
  };
}

/**
 * Sends a decision as an update, with a short wait: a worker takes it at once (applied, or refused with the run's
 * reason). When none takes it in time, the decision is checked against what the run published (the call, its tool's
 * JSON Schema and decision rules, decisions already recorded) and recorded durably as a signal with the same
 * `decisionId`. The update carries `acceptBy`, so if it is still queued when a worker returns, the run refuses it as
 * late: only the record applies. If the record cannot be written either, the decision is refused, and can never apply.
 */
export async function decideApproval(
  client: Client,
  workflowId: string,
  decision: ApprovalDecision,
  opts: DecideOptions = {},
): Promise<DecisionReceipt> {
  const started = Date.now();
  const waitMs = opts.workerWaitMs ?? 1200;
  const answerBy = started + Math.max(opts.answerWithinMs ?? 1800, waitMs + 400);
  const decisionId = decision?.decisionId ?? `d-${randomUUID()}`;
  const sent = {
    ...decision,
    decisionId,
    acceptBy: new Date(started + waitMs - Math.min(clockMarginMs, waitMs / 4)).toISOString(),
  } as ApprovalDecision;
  const callId = decision?.callId;
  const refused = (reason: string) => new ApprovalRefusedError(workflowId, callId, reason);
  // What a record needs, read beside the update once it is not taken at once: no cost when a worker answers, and time
  // to spare when none does.
  let reads: ReturnType<typeof readForRecord> | undefined;
  const startReads = () => (reads ??= readForRecord(client, workflowId, answerBy - recordMs));
  const early = setTimeout(startReads, readsAfterMs);

  const handle = client.workflow.getHandle(workflowId);
  let unanswered: unknown;
  try {
    const update = await within(client, started + waitMs, () =>
      handle.startUpdate(decideApprovalUpdate, {
        args: [sent],
        updateId: decisionId,
        waitForStage: WorkflowUpdateStage.ACCEPTED,
      }),
    );
    // Taken or refused by the run: the outcome (a refusal is a WorkflowUpdateFailedError) came with the answer, as the
    // handler decides synchronously. Should it not have, the update was accepted (a refusal always brings its
    // outcome): the decision is the run's, and the receipt says what was decided without the run's details.
    clearTimeout(early);
    const decided = await within(client, answerBy, () => update.result()).catch((err: unknown) => {
      if (err instanceof WorkflowUpdateFailedError) throw err;
      return takenOnly(sent);
    });
    return { state: 'applied', workflowId, ...decided };
  } catch (err) {
    clearTimeout(early);
    if (err instanceof WorkflowUpdateFailedError) {
      const reason = err.cause?.message ?? err.message;
      // Refused as late: this clock is behind the server's. The durable record below carries the decision instead.
      if (!reason.includes('after its sender stopped waiting')) throw refused(reason);
    } else if (err instanceof WorkflowNotFoundError) {
      throw refused(await lateDecisionReason(client, workflowId, callId, answerBy, err));
    }
    unanswered = err;
  }

  const { published, alreadyRecorded } = startReads();
  const state = await published;
  if (state instanceof Error) throw refused(`not recorded: Temporal did not answer (${state.message})`);
  if (!state.running) throw refused(await lateDecisionReason(client, workflowId, callId, answerBy));
  const recorded = await alreadyRecorded;
  // The same decision sent again (a retry with its decisionId) is recorded already: once is enough.
  const again = recorded.find((r) => r.decisionId === decisionId);
  const problem = again ? undefined : checkPublished(state, sent, recorded);
  if (problem) throw refused(problem);
  try {
    // Every attempt of the signal carries this deadline, so none can reach Temporal after the person is told.
    if (!again) await within(client, answerBy, () => handle.signal(recordDecisionSignal, sent));
  } catch (err) {
    throw refused(`not recorded: Temporal did not take the record (${(err as Error).message})`);
  }
  const why =
    unanswered instanceof WorkflowUpdateRPCTimeoutOrCancelledError ||
    unanswered instanceof WorkflowUpdateFailedError ||
    unanswered instanceof DeadlinePassedError
      ? `no worker of the run took it within ${waitMs} ms (is it running?)`
      : `the run did not answer (${(unanswered as Error)?.message ?? unanswered})`;
  const read = readDecision(sent);
  return {
    state: 'recorded',
    workflowId,
    callId: read.callId,
    kind: read.kind,
    decisionId,
    ...(read.reviewer !== undefined ? { reviewer: read.reviewer } : {}),
    ...(read.reason !== undefined ? { reason: read.reason } : {}),
    recordedAt: again?.recordedAt ?? new Date().toISOString(),
    why,
  };
}

function takenOnly(sent: ApprovalDecision): DecidedApproval {
  const read = readDecision(sent);
  return {
    callId: read.callId,
    kind: read.kind,
    approved: read.kind === 'approve' || read.kind === 'edit',
    ...(read.reviewer !== undefined ? { reviewer: read.reviewer } : {}),
    decidedAt: new Date().toISOString(),
    ...(read.decisionId !== undefined ? { decisionId: read.decisionId } : {}),
  };
}

/** Why the run would refuse this decision, judged from what it published and from decisions already recorded. */
function checkPublished(
  state: PublishedState,
  sent: ApprovalDecision,
  recorded: RecordedDecision[],
): string | undefined {
  let decision: ReturnType<typeof readDecision>;
  try {
    decision = readDecision(sent);
  } catch (err) {
    return (err as Error).message;
  }
  if (!state.published) {
    return (
      'not recorded: no worker of the run answered, and this run (started before decisions could be recorded) ' +
      'publishes no calls to check a decision against; decide again once its worker runs'
    );
  }
  const call = state.published.pending.find((p) => p.callId === decision.callId);
  if (!call) {
    const closed = state.published.closed.find((c) => c.callId === decision.callId);
    return closed
      ? closedCallReason(decision.callId, closed)
      : `unknown call ${decision.callId}: no such call waits for approval`;
  }
  const mine = recorded.filter((r) => r.callId === decision.callId);
  const closing = mine.find((r) => r.kind === 'deny' || r.kind === 'answer');
  const votes: ApprovalVote[] = [
    ...(call.approvals ?? []),
    ...mine
      .filter((r) => (r.kind === 'approve' || r.kind === 'edit') && r.reviewer !== undefined)
      .map((r) => ({ reviewer: r.reviewer!, kind: r.kind as ApprovalVote['kind'], at: r.recordedAt })),
  ];
  try {
    checkAgainstCall(decision, { ...call, approvals: votes });
  } catch (err) {
    return (err as Error).message;
  }
  const approvedAlready = mine.some((r) => r.kind === 'approve' || r.kind === 'edit') && !needsMore(call, votes);
  if (closing || approvedAlready) {
    const first = closing ?? mine[0]!;
    return `call ${decision.callId} already has a decision waiting for the run's worker (${first.kind} by ${first.reviewer ?? 'someone'}, recorded at ${first.recordedAt})`;
  }
  return decision.kind === 'edit' ? editProblem(call.tool, call.argumentsSchema, decision.arguments) : undefined;
}

function needsMore(call: PendingApproval, votes: ApprovalVote[]): boolean {
  return namesReviewers(call.approvers) && stillNeeded(call.approvers, votes, call.startedBy) !== undefined;
}
