import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { DeadLetterReason, DeadLetterRecord } from '../workflows/dead-letter';
import { type GeminiEvent, geminiEventSignal, mailboxWorkflowId } from '../common/contract';
import { geminiMailbox } from '../workflows/mailbox';
import { recordDeadLetter } from './dead-letter-store';
import { findOwner } from './owner-lookup';
import type { Route } from './route';

export type Delivered =
  | { outcome: 'signaled'; workflowId: string }
  | { outcome: 'held'; workflowId: string }
  | { outcome: 'dead_lettered'; reason: DeadLetterReason; workflowId?: string };

export interface DeliveryOptions {
  taskQueue: string;
  /** Passed to each new mailbox: how long it looks for the owner, and lingers for stragglers. */
  mailboxLookupTimeoutMs?: number;
  mailboxLingerTimeoutMs?: number;
}

/**
 * The receiver's only writes to Temporal. Each resolves once Temporal has durably accepted the event (a signal, a
 * signal-with-start of the resource's mailbox, or a dead-letter workflow); any other failure propagates as "not
 * accepted", which the HTTP layer turns into 503 so Gemini retries.
 */
export class EventDelivery {
  constructor(
    private readonly client: Client,
    private readonly opts: DeliveryOptions,
  ) {}

  async deliver(event: GeminiEvent, route: Route, receivedAt: string): Promise<Delivered> {
    const deadLetter = async (reason: DeadLetterReason, detail: string, workflowId?: string): Promise<Delivered> => {
      await this.deadLetter({
        webhookId: event.webhookId,
        reason,
        detail,
        eventType: event.type,
        resourceId: event.resourceId,
        targetWorkflowId: workflowId,
        event,
        receivedAt,
      });
      return { outcome: 'dead_lettered', reason, workflowId };
    };

    if (route.kind === 'unroutable') return deadLetter('unroutable', route.reason);

    if (route.kind === 'workflow') {
      if (await this.signal(route.workflowId, event)) return { outcome: 'signaled', workflowId: route.workflowId };
      const exists = await workflowExists(this.client, route.workflowId);
      return deadLetter(
        exists ? 'workflow_closed' : 'workflow_not_found',
        exists ? 'the target workflow has closed' : 'no workflow with the id in user_metadata',
        route.workflowId,
      );
    }

    const owner = await findOwner(this.client, route.resourceId);
    if (owner?.running && (await this.signal(owner.workflowId, event))) {
      return { outcome: 'signaled', workflowId: owner.workflowId };
    }
    if (owner)
      return deadLetter('workflow_closed', 'the workflow that recorded the resource has closed', owner.workflowId);

    const workflowId = mailboxWorkflowId(route.resourceId);
    await this.client.workflow.signalWithStart(geminiMailbox, {
      workflowId,
      taskQueue: this.opts.taskQueue,
      args: [
        {
          resourceId: route.resourceId,
          lookupTimeoutMs: this.opts.mailboxLookupTimeoutMs,
          lingerTimeoutMs: this.opts.mailboxLingerTimeoutMs,
        },
      ],
      signal: geminiEventSignal,
      signalArgs: [event],
    });
    return { outcome: 'held', workflowId };
  }

  async deadLetter(record: DeadLetterRecord): Promise<void> {
    await recordDeadLetter(this.client, this.opts.taskQueue, record);
  }

  /** False when the workflow does not exist or has closed; other errors propagate. */
  private async signal(workflowId: string, event: GeminiEvent): Promise<boolean> {
    try {
      await this.client.workflow.getHandle(workflowId).signal(geminiEventSignal, event);
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }
}

/** Whether a workflow with this id exists (running or closed); other errors propagate. */
export async function workflowExists(client: Client, workflowId: string): Promise<boolean> {
  try {
    await client.workflow.getHandle(workflowId).describe();
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}
