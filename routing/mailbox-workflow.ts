import {
  type ActivityOptions,
  condition,
  defineQuery,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setHandler,
  sleep,
} from '@temporalio/workflow';
import type * as routing from './activities';
import type { DeadLetterReason } from './dead-letter-workflow';
import { type GeminiEvent, geminiEventSignal } from '../common/contract';

export interface MailboxInput {
  resourceId: string;
  /** How long to keep looking for the owner before the held events become dead letters (default 15 min). */
  lookupTimeoutMs?: number;
  /** How long to stay open for stragglers after the last event (default 1 min). */
  lingerTimeoutMs?: number;
}

export interface MailboxState {
  held: number;
  owner?: string;
  forwarded: number;
  deadLettered: number;
  /** Held events whose owner had already completed: nothing waited for them any more (absent in older runs). */
  late?: number;
}

/**
 * Both routing activities are one quick Temporal call each (a visibility list, a workflow start), retried without
 * limit: a held event must not be lost to a Temporal hiccup.
 */
const routingActivityPolicy: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
};

export const mailboxStateQuery = defineQuery<MailboxState>('mailboxState');

/**
 * Holds events whose owner is not known yet (the event outran the workflow, or visibility lags), finds the owner by
 * the GeminiResourceIds search attribute, and forwards them with via 'mailbox'. The receiver starts it with
 * signalWithStart on `gemini-mailbox:<resourceId>`, so every later event for the resource lands in the same run.
 */
export async function geminiMailbox(input: MailboxInput): Promise<MailboxState> {
  const held: GeminiEvent[] = [];
  const seen = new Set<string>();
  const state: MailboxState = { held: 0, forwarded: 0, deadLettered: 0 };
  setHandler(geminiEventSignal, (event) => {
    if (seen.has(event.webhookId)) return;
    seen.add(event.webhookId);
    held.push(event);
  });
  setHandler(mailboxStateQuery, () => ({ ...state, held: held.length }));

  const { findGeminiResourceOwner, geminiWorkflowStatus, deadLetterGeminiEvent } =
    proxyActivities<typeof routing>(routingActivityPolicy);

  let owner: { workflowId: string; running: boolean } | undefined;
  let ownerCompleted: boolean | undefined;
  /** Polls with backoff for at most lookupTimeoutMs of workflow time; undefined: the held events become dead letters. */
  const lookUpOwner = async () => {
    const giveUpAt = Date.now() + (input.lookupTimeoutMs ?? 15 * 60_000);
    for (let delay = 500; ; delay = Math.min(delay * 2, 30_000)) {
      const found = await findGeminiResourceOwner(input.resourceId);
      if (found) return found;
      if (Date.now() >= giveUpAt) return undefined;
      await sleep(Math.min(delay, Math.max(giveUpAt - Date.now(), 1)));
    }
  };
  const deadLetter = async (event: GeminiEvent, reason: DeadLetterReason, detail: string) => {
    await deadLetterGeminiEvent({
      webhookId: event.webhookId,
      reason,
      detail,
      eventType: event.type,
      resourceId: event.resourceId,
      targetWorkflowId: owner?.workflowId,
      event,
      receivedAt: event.timestamp,
    });
    state.deadLettered++;
  };

  while (await condition(() => held.length > 0, input.lingerTimeoutMs ?? 60_000)) {
    if (!owner) {
      owner = await lookUpOwner();
      state.owner = owner?.workflowId;
    }
    for (const event of held.splice(0)) {
      if (owner?.running) {
        try {
          await getExternalWorkflowHandle(owner.workflowId).signal(geminiEventSignal, { ...event, via: 'mailbox' });
          state.forwarded++;
          continue;
        } catch {
          owner = { ...owner, running: false };
        }
      }
      // As the receiver does: an owner that completed has its result, so a held event for it (often a copy of the
      // delivery that completed it, which reached the owner directly while this one waited here) is late, not lost.
      if (owner && patched('mailbox-late-for-completed-owner')) {
        ownerCompleted ??= (await geminiWorkflowStatus(owner.workflowId)) === 'COMPLETED';
        if (ownerCompleted) {
          state.late = (state.late ?? 0) + 1;
          continue;
        }
      }
      if (owner) await deadLetter(event, 'workflow_closed', `owner ${owner.workflowId} has closed`);
      else await deadLetter(event, 'owner_not_found', `no running workflow recorded ${input.resourceId} in time`);
    }
  }
  return { ...state, held: held.length };
}
