import { defineQuery } from '@temporalio/workflow';
import type { GeminiEvent } from './events';

/** The workflow type of a mailbox: the receiver starts it by name with signalWithStart. */
export const mailboxWorkflowType = 'geminiMailbox';

export interface MailboxInput {
  resourceId: string;
  /** How long to keep looking for the owner before the held events become dead letters (default 15 min). */
  lookupTimeoutMs?: number;
  /** How long to stay open for stragglers after the last event (default 1 min). */
  lingerTimeoutMs?: number;
  /**
   * Continue as new once the history has this many events (default 5,000), or when Temporal suggests it: every held
   * event is a signal, and Temporal refuses signals past 10,000 per run and histories past 51,200 events.
   */
  continueAsNewAfterEvents?: number;
  /** What the previous run of this mailbox hands over when it continues as new. */
  carried?: MailboxCarryOver;
}

/** Events not yet forwarded, the ids already taken, and what is known of the owner. */
export interface MailboxCarryOver {
  held: GeminiEvent[];
  seenWebhookIds: string[];
  owner?: { workflowId: string; running: boolean };
  /** When the lookup in progress gives up (epoch ms), so a continuation does not restart the owner's grace period. */
  giveUpAt?: number;
  state: MailboxState;
}

export interface MailboxState {
  held: number;
  owner?: string;
  forwarded: number;
  deadLettered: number;
  /** Held events whose owner had already completed: nothing waited for them any more (absent in older runs). */
  late?: number;
}

export const mailboxStateQuery = defineQuery<MailboxState>('mailboxState');
