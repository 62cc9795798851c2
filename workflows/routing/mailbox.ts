import {
  type ActivityOptions,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type * as routing from '../../activities/routing';
import {
  type DeadLetterReason,
  type GeminiEvent,
  geminiEventSignal,
  type MailboxCarryOver,
  type MailboxInput,
  type MailboxState,
  mailboxStateQuery,
} from '../../contract';

/**
 * Both routing activities are one quick Temporal call each (a visibility list, a workflow start), retried without
 * limit: a held event must not be lost to a Temporal hiccup.
 */
const routingActivityPolicy: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
};

const defaultContinueAsNewAfterEvents = 5_000;
const webhookIdsCarried = 1_000;

/**
 * Holds events whose owner is not known yet (the event outran the workflow, or visibility lags), finds the owner by
 * the GeminiResourceIds search attribute, and forwards them with via 'mailbox'. The receiver starts it with
 * signalWithStart on `gemini-mailbox:<resourceId>`, so every later event for the resource lands in the same run.
 */
export async function geminiMailbox(input: MailboxInput): Promise<MailboxState> {
  const held: GeminiEvent[] = [...(input.carried?.held ?? [])];
  const seen = new Set<string>(input.carried?.seenWebhookIds);
  const state: MailboxState = input.carried?.state ?? { held: 0, forwarded: 0, deadLettered: 0 };
  setHandler(geminiEventSignal, (event) => {
    if (seen.has(event.webhookId)) return;
    seen.add(event.webhookId);
    held.push(event);
  });
  setHandler(mailboxStateQuery, () => ({ ...state, held: held.length }));

  const { findGeminiResourceOwner, geminiWorkflowStatus, deadLetterGeminiEvent } =
    proxyActivities<typeof routing>(routingActivityPolicy);

  let owner: { workflowId: string; running: boolean } | undefined = input.carried?.owner;
  let ownerCompleted: boolean | undefined;
  /**
   * Before Temporal's per-run limits, the mailbox continues as new with what it holds. Checked between lookups and
   * between rounds; the patch keeps runs that started before it replaying as they were.
   */
  const continueIfLarge = async (opts: { giveUpAt?: number; unhandled?: GeminiEvent[] } = {}) => {
    const info = workflowInfo();
    const large =
      info.continueAsNewSuggested ||
      info.historyLength >= (input.continueAsNewAfterEvents ?? defaultContinueAsNewAfterEvents);
    if (!large || !patched('mailbox-continue-as-new')) return;
    const carried: MailboxCarryOver = {
      held: [...(opts.unhandled ?? []), ...held.splice(0)],
      seenWebhookIds: [...seen].slice(-webhookIdsCarried),
      owner,
      giveUpAt: opts.giveUpAt ?? lastGiveUpAt,
      state: { ...state, held: 0 },
    };
    await continueAsNew<typeof geminiMailbox>({ ...input, carried });
  };
  // A continuation keeps the deadline of the lookup before it, so the owner's grace period does not start again.
  let carriedGiveUpAt = input.carried?.giveUpAt;
  let lastGiveUpAt: number | undefined;
  /** Polls with backoff for at most lookupTimeoutMs of workflow time; undefined: the held events become dead letters. */
  const lookUpOwner = async () => {
    const giveUpAt = carriedGiveUpAt ?? Date.now() + (input.lookupTimeoutMs ?? 15 * 60_000);
    carriedGiveUpAt = undefined;
    lastGiveUpAt = giveUpAt;
    for (let delay = 500; ; delay = Math.min(delay * 2, 30_000)) {
      const found = await findGeminiResourceOwner(input.resourceId);
      if (found) return found;
      if (Date.now() >= giveUpAt) return undefined;
      await sleep(Math.min(delay, Math.max(giveUpAt - Date.now(), 1)));
      await continueIfLarge({ giveUpAt });
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
    await continueIfLarge();
    if (!owner) {
      owner = await lookUpOwner();
      state.owner = owner?.workflowId;
    }
    const batch = held.splice(0);
    for (const [i, event] of batch.entries()) {
      if (i > 0) await continueIfLarge({ unhandled: batch.slice(i) });
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
