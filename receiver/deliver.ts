import { SpanKind, trace } from '@opentelemetry/api';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import {
  type DeadLetterReason,
  type DeadLetterRecord,
  type GeminiEvent,
  geminiEventSignal,
  type MailboxInput,
  mailboxWorkflowId,
  mailboxWorkflowType,
} from '../contract';
import type { OwnerCache } from '../routing/owner-cache';
import type { Route } from '../routing/route';
import { recordDeadLetter } from '../temporal/dead-letters';
import { findOwner } from '../temporal/owner-lookup';
import type { Tracing } from '../tracing/provider';
import { inSpan } from '../tracing/spans';
import { temporalTraceHeaderFields } from '../tracing/temporal';
import { boundedCopy, wellFormed } from './bounded-copy';
import { signalOnce } from './signal';
import { OwnerLookupError } from './temporal-errors';
import type { RunTraceContexts } from './tracing';
import type { UntrustedBudget } from './untrusted-budget';

export type Delivered =
  | { outcome: 'signaled'; workflowId: string }
  | { outcome: 'held'; workflowId: string }
  | { outcome: 'dead_lettered'; reason: DeadLetterReason; workflowId?: string }
  /** The run it was for has completed: nothing waits for it any more (e.g. the second of a video's two events). */
  | { outcome: 'late'; workflowId: string; reason: string }
  /** Not stored: an untrusted sender's delivery past the budget. */
  | { outcome: 'dropped'; reason: string };

export interface DeliveryOptions {
  taskQueue: string;
  /** Passed to each new mailbox: how long it looks for the owner, and lingers for stragglers. */
  mailboxLookupTimeoutMs?: number;
  mailboxLingerTimeoutMs?: number;
  /** Bounds what deliveries from unknown senders may store. */
  budget: UntrustedBudget;
  /** Owners found by lookup, tried before the next lookup for the same resource. */
  owners: OwnerCache;
  /** Told where each owner-lookup route found its owner: `cache`, `visibility` (a query), or `none`. */
  lookedUp?: (source: 'cache' | 'visibility' | 'none') => void;
  /** When tracing: spans for the lookup and the signal, and the trace contexts runs were started with. */
  tracing?: { tracing: Tracing; runs: RunTraceContexts };
}

/**
 * The receiver's only writes to Temporal. Each resolves once Temporal has durably accepted the event (a signal, a
 * signal-with-start of the resource's mailbox, or a dead-letter workflow); any other failure propagates as "not
 * accepted", which the delivery handler classifies (503 when Temporal is unavailable).
 */
export class EventDelivery {
  constructor(
    private readonly client: Client,
    private readonly opts: DeliveryOptions,
  ) {}

  async deliver(event: GeminiEvent, route: Route, receivedAt: string): Promise<Delivered> {
    const deadLetter = (reason: DeadLetterReason, detail: string, workflowId?: string) =>
      this.deadLetter(
        {
          webhookId: event.webhookId,
          reason,
          detail,
          eventType: event.type,
          resourceId: event.resourceId,
          targetWorkflowId: workflowId,
          event,
          receivedAt,
        },
        route.trusted,
      );

    if (route.kind === 'unroutable') return deadLetter('unroutable', route.reason);

    if (route.kind === 'workflow') {
      if (await this.signal(route.workflowId, event)) return { outcome: 'signaled', workflowId: route.workflowId };
      const status = await workflowStatus(this.client, route.workflowId);
      if (status === 'COMPLETED') return late(route.workflowId);
      return deadLetter(
        status ? 'workflow_closed' : 'workflow_not_found',
        status ? 'the target workflow has closed' : 'no workflow with the id in user_metadata',
        route.workflowId,
      );
    }

    const known = this.opts.owners.get(route.resourceId);
    if (known !== undefined) {
      if (await this.signal(known, event)) {
        this.opts.lookedUp?.('cache');
        await this.linkToRun(known);
        return { outcome: 'signaled', workflowId: known };
      }
      this.opts.owners.forget(route.resourceId);
    }
    const owner = await inSpan(this.opts.tracing?.tracing, 'owner lookup', {}, () =>
      findOwner(this.client, route.resourceId),
    ).catch((err: unknown) => {
      throw new OwnerLookupError(`owner lookup failed: ${(err as Error).message}`, { cause: err });
    });
    this.opts.lookedUp?.(owner ? 'visibility' : 'none');
    if (owner?.running && (await this.signal(owner.workflowId, event))) {
      this.opts.owners.remember(route.resourceId, owner.workflowId);
      await this.linkToRun(owner.workflowId);
      return { outcome: 'signaled', workflowId: owner.workflowId };
    }
    if (owner) {
      if ((await workflowStatus(this.client, owner.workflowId)) === 'COMPLETED') return late(owner.workflowId);
      return deadLetter('workflow_closed', 'the workflow that recorded the resource has closed', owner.workflowId);
    }
    if (!route.trusted && !(await this.opts.budget.take())) return spent;

    const workflowId = mailboxWorkflowId(route.resourceId);
    const mailbox: MailboxInput = {
      resourceId: route.resourceId,
      lookupTimeoutMs: this.opts.mailboxLookupTimeoutMs,
      lingerTimeoutMs: this.opts.mailboxLingerTimeoutMs,
    };
    await this.client.workflow.signalWithStart(mailboxWorkflowType, {
      workflowId,
      taskQueue: this.opts.taskQueue,
      args: [mailbox],
      signal: geminiEventSignal,
      signalArgs: [event],
    });
    return { outcome: 'held', workflowId };
  }

  /**
   * Keeps a bounded, sanitised copy of the record (it must always be storable, however hostile the delivery); from
   * an untrusted sender only within the budget.
   */
  async deadLetter(record: DeadLetterRecord, trusted: boolean): Promise<Delivered> {
    if (!trusted && !(await this.opts.budget.take())) return spent;
    const safe = boundedCopy(record) as DeadLetterRecord;
    await recordDeadLetter(this.client, this.opts.taskQueue, { ...safe, webhookId: record.webhookId });
    const workflowId = record.targetWorkflowId && wellFormed(record.targetWorkflowId);
    return { outcome: 'dead_lettered', reason: record.reason, workflowId };
  }

  /**
   * False when the workflow does not exist or has closed; other errors propagate. The delivery's id is the signal's
   * request id, so a copy that reaches Temporal through another receiver is dropped there.
   */
  private signal(workflowId: string, event: GeminiEvent): Promise<boolean> {
    const tracing = this.opts.tracing?.tracing;
    if (!tracing) return signalOnce(this.client, workflowId, event, event.webhookId);
    const attributes = { temporalWorkflowId: workflowId };
    return inSpan(tracing, `SignalWorkflow:${geminiEventSignal.name}`, { kind: SpanKind.CLIENT, attributes }, () =>
      signalOnce(this.client, workflowId, event, event.webhookId, temporalTraceHeaderFields()),
    );
  }

  /**
   * A delivery routed by resource id (a static webhook's: no user_metadata) carries no trace context; its span is
   * linked to the trace the run it resumed was started in, found by that run's start header. Only after the signal,
   * so the event is already held when the read is made.
   */
  private async linkToRun(workflowId: string): Promise<void> {
    const span = this.opts.tracing && trace.getActiveSpan();
    if (!span) return;
    const linked = await this.opts.tracing!.runs.of(workflowId);
    const spanContext = linked && trace.getSpanContext(linked);
    if (!spanContext) return;
    span.addLink({ context: spanContext, attributes: { 'geminiflow.link': 'run started' } });
    // Also as an attribute, for backends that keep no links (Zipkin): the trace to look at next.
    span.setAttribute('geminiflow.run.trace_id', spanContext.traceId);
  }
}

const spent: Delivered = { outcome: 'dropped', reason: 'untrusted sender: storage budget spent' };

/**
 * A run that completed has its result and waits for nothing: an event after that is late, not lost, and keeping it
 * would leave a dead letter behind every normal run whose job sends two events. A run that failed, was cancelled,
 * terminated or timed out keeps its events as dead letters, since someone may replay them to a new run.
 */
const late = (workflowId: string): Delivered => ({ outcome: 'late', workflowId, reason: 'the run has completed' });

/** The status of the workflow's latest run, or undefined when there is none; other errors propagate. */
export async function workflowStatus(client: Client, workflowId: string): Promise<string | undefined> {
  try {
    return (await client.workflow.getHandle(workflowId).describe()).status.name;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}
