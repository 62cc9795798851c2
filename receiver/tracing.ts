import type { HrTime } from '@opentelemetry/api';
import { type Context, context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Client } from '@temporalio/client';
import type { Tracing } from '../tracing/provider';
import { setDefined } from '../tracing/spans';
import { contextFromTemporalHeader } from '../tracing/temporal';
import type { DeliveryResult } from './delivery-result';

/** Epoch milliseconds with sub-millisecond precision. */
const now = () => performance.timeOrigin + performance.now();

/**
 * A span time to the microsecond: finer fractions come out of some exporters as fractional microseconds, which Zipkin
 * refuses (the whole batch with them).
 */
function hrTime(epochMs: number): HrTime {
  const micros = Math.round(epochMs * 1000);
  return [Math.floor(micros / 1_000_000), (micros % 1_000_000) * 1000];
}

type Interval = { start: number; end: number };

/**
 * The span of one delivery's handling: its verification as a child, its routing as an event (with the verdict on the
 * span), and the signal as a child while it runs. Its parent is known only once the envelope is read (the trace context the job's creator put in its
 * user_metadata), so the span is made then, back-dated to the delivery's arrival; a delivery that never gets that far
 * (refused, a duplicate, a ping) gets a root span when it is answered.
 */
export class DeliveryTrace {
  private readonly arrived = now();
  private verify?: Interval;
  private route?: Interval & { attributes: Record<string, string | boolean | undefined> };
  private span?: Span;

  constructor(private readonly tracing: Tracing) {}

  verified(startedAt: number): void {
    this.verify = { start: startedAtEpoch(startedAt), end: now() };
  }

  routed(startedAt: number, attributes: Record<string, string | boolean | undefined>): void {
    this.route = { start: startedAtEpoch(startedAt), end: now(), attributes };
  }

  /** Makes the delivery's span (once), a child of `parent` when given, with the steps recorded so far. */
  open(parent?: Context, links: Context[] = []): Span {
    if (this.span) return this.span;
    const { tracer } = this.tracing;
    const span = tracer.startSpan(
      'webhook',
      {
        kind: SpanKind.SERVER,
        startTime: hrTime(this.arrived),
        links: links.flatMap((l) => {
          const linked = trace.getSpanContext(l);
          return linked ? [{ context: linked }] : [];
        }),
      },
      parent ?? context.active(),
    );
    const inSpan = trace.setSpan(context.active(), span);
    if (this.verify)
      tracer.startSpan('verify', { startTime: hrTime(this.verify.start) }, inSpan).end(hrTime(this.verify.end));
    // Routing is a decision of microseconds (a token checked): an event with its verdict, not a span of its own.
    if (this.route) {
      setDefined(span, this.route.attributes);
      span.addEvent('route', hrTime(this.route.end));
    }
    this.span = span;
    return span;
  }

  /** Runs the hand-over to Temporal with the delivery's span active (the signal span and its header come from it). */
  within<T>(fn: () => Promise<T>): Promise<T> {
    return context.with(trace.setSpan(context.active(), this.open()), fn);
  }

  /** Ends the delivery's span with how it was answered. */
  close(result: DeliveryResult): void {
    const span = this.open();
    if (result.type) span.updateName(`webhook ${result.type}`);
    setDefined(span, {
      'http.request.method': 'POST',
      'http.response.status_code': result.status,
      'geminiflow.delivery.outcome': result.outcome,
      'geminiflow.delivery.reason': result.reason,
      'geminiflow.webhook.id': result.webhookId,
      'geminiflow.signature.scheme': result.scheme,
      'geminiflow.event.type': result.type,
      'geminiflow.resource.id': result.resourceId,
      temporalWorkflowId: result.workflowId,
      'geminiflow.delivery.untrusted': result.untrusted,
    });
    if (result.status >= 500 && result.outcome !== 'busy') {
      span.setStatus({ code: SpanStatusCode.ERROR, message: result.reason });
    }
    span.end();
  }
}

function startedAtEpoch(performanceNow: number): number {
  return performance.timeOrigin + performanceNow;
}

/**
 * The trace a run recorded when it was started (its starter's span, in the header of its first history event), for
 * linking a static webhook's delivery, which carries no trace context of its own, to the run it resumes. Read once per
 * run and kept (bounded); a failed read is no link, never a failed delivery.
 */
export class RunTraceContexts {
  private readonly known = new Map<string, Context | null>();

  constructor(
    private readonly client: Client,
    private readonly capacity = 1000,
  ) {}

  async of(workflowId: string): Promise<Context | undefined> {
    const cached = this.known.get(workflowId);
    if (cached !== undefined) return cached ?? undefined;
    let found: Context | undefined;
    try {
      const { history } = await this.client.workflowService.getWorkflowExecutionHistory({
        namespace: this.client.options.namespace,
        execution: { workflowId },
        maximumPageSize: 1,
      });
      found = contextFromTemporalHeader(history?.events?.[0]?.workflowExecutionStartedEventAttributes?.header?.fields);
    } catch {
      return undefined;
    }
    this.known.set(workflowId, found ?? null);
    if (this.known.size > this.capacity) this.known.delete(this.known.keys().next().value!);
    return found;
  }
}
