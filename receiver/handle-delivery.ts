import type { DeadLetterRecord, GeminiEvent } from '../contract';
import { toGeminiEvent } from '../routing/envelope';
import { eventKind, routeFor } from '../routing/route';
import type { RoutingKey } from '../routing/token';
import type { Tracing } from '../tracing/provider';
import { contextFromTraceparent } from '../tracing/spans';
import { bodyExcerpt } from './bounded-copy';
import type { WebhookIdDedupe } from './dedupe';
import type { Delivered, EventDelivery } from './deliver';
import type { DeliveryResult, DeliveryFields as Fields } from './delivery-result';
import type { HandOver } from './hand-over';
import type { ReceiverMetrics } from './metrics';
import { DeliveryTrace } from './tracing';
import type { VerifiedSender, WebhookVerifier } from './verify';
import type { HeaderInput } from './verify/headers';

export type { DeliveryResult } from './delivery-result';

export interface DeliveryHandlerDeps {
  verifier: WebhookVerifier;
  delivery: EventDelivery;
  dedupe: WebhookIdDedupe<Delivered>;
  /** Admission control, the ack bound and once-per-delivery: how work reaches Temporal. */
  handOver: HandOver;
  metrics: ReceiverMetrics;
  /** Keys that vouch for user_metadata routing of per-request deliveries; empty: route those by resource id. */
  routingKeys: readonly RoutingKey[];
  /** Larger events are not signaled (kept as a cut dead letter). */
  maxEventBytes: number;
  /** When tracing: a span per delivery, joined to the trace of the call that created the job. */
  tracing?: Tracing;
}

const pingTypes = new Set(['ping', 'webhook.ping', 'webhooks.ping']);
const isPing = (envelope: unknown) => {
  const type = (envelope as { type?: unknown } | null)?.type;
  return typeof type === 'string' && pingTypes.has(type.trim().toLowerCase());
};

/** The receiver's pipeline, transport-free: verification, envelope, dedupe, routing, then Temporal. */
export class DeliveryHandler {
  constructor(private readonly deps: DeliveryHandlerDeps) {}

  /**
   * At the door, before the body is read: the answer for a delivery with no room (a 503 that costs next to nothing), or
   * undefined when it is let in, in which case the caller calls `leftDoor()` once it has answered.
   */
  atDoor(): DeliveryResult | undefined {
    const busy = this.deps.handOver.atDoor();
    if (busy) this.deps.metrics.deliveries.inc('none', busy.outcome, 'none');
    return busy;
  }

  leftDoor(): void {
    this.deps.handOver.leftDoor();
  }

  async handle(headers: HeaderInput, body: Buffer): Promise<DeliveryResult> {
    const trace = this.deps.tracing && new DeliveryTrace(this.deps.tracing);
    const result = await this.process(headers, body, trace);
    trace?.close(result);
    this.deps.metrics.deliveries.inc(result.type ?? 'none', result.outcome, result.scheme ?? 'none');
    if (result.untrusted) this.deps.metrics.untrusted.inc(result.outcome, result.untrusted);
    return result;
  }

  private async process(headers: HeaderInput, body: Buffer, trace?: DeliveryTrace): Promise<DeliveryResult> {
    const { metrics, verifier } = this.deps;
    const started = performance.now();
    const verified = await verifier.verify(body, headers);
    trace?.verified(started);
    const scheme = verified.ok ? verified.scheme : (verified.verified?.scheme ?? 'none');
    metrics.verificationSeconds.observe((performance.now() - started) / 1000, scheme);
    const receivedAt = new Date().toISOString();
    if (!verified.ok) {
      if (verified.verified) return this.unreadable(verified.verified, verified.reason, body, receivedAt);
      const outcome = verified.status === 503 ? 'unavailable' : 'refused';
      return { status: verified.status, outcome, reason: verified.reason };
    }
    const { webhookId, alsoSeenAs } = verified;
    const trusted = verified.sender === 'deployment';
    const seen = { scheme: verified.scheme, key: verified.key, webhookId, ...(alsoSeenAs ? { alsoSeenAs } : {}) };
    if (isPing(verified.envelope)) return { status: 200, outcome: 'ping', ...seen, type: 'ping' };

    const parsed = toGeminiEvent(webhookId, verified.envelope, receivedAt);
    if (parsed.kind === 'invalid') return { status: 400, outcome: 'refused', reason: parsed.reason, ...seen };
    if (this.deps.dedupe.seen(webhookId, alsoSeenAs)) {
      const type = parsed.kind === 'event' ? parsed.event.type : 'unknown';
      return { status: 200, outcome: 'duplicate', ...seen, type };
    }

    if (parsed.kind === 'unknown-type') {
      const fields = { ...seen, type: 'unknown', resourceId: parsed.resourceId, reason: 'unknown event type' };
      const record: DeadLetterRecord = {
        webhookId,
        reason: 'unknown_type',
        detail: `event type ${JSON.stringify(parsed.rawType.slice(0, 100))} is not one of the nine`,
        eventType: parsed.rawType,
        resourceId: parsed.resourceId,
        envelope: parsed.envelope,
        receivedAt,
      };
      const handOver = () =>
        this.deps.handOver.run(fields, () => this.deps.delivery.deadLetter(record, trusted), 'recorded_unknown');
      return trace ? trace.within(handOver) : handOver();
    }

    const { event, target } = parsed;
    const routing = performance.now();
    const proof = trusted
      ? undefined
      : { keys: this.deps.routingKeys, kind: eventKind(event.type), token: target?.token };
    const route = routeFor(event.resourceId, target?.workflowId, proof);
    if (trace) {
      trace.routed(routing, {
        'geminiflow.route': route.kind,
        'geminiflow.route.trusted': route.trusted,
        'geminiflow.route.note': route.note,
      });
      // The job's creator put its trace context beside the workflow id; it counts only where the route is trusted
      // (our own signature, or a valid routing token), so a stranger's delivery cannot join our traces.
      trace.open(route.trusted && route.kind === 'workflow' ? contextFromTraceparent(target?.traceparent) : undefined);
    }
    const fields: Fields = {
      ...seen,
      type: event.type,
      resourceId: event.resourceId,
      ...(route.trusted ? {} : { untrusted: route.note ?? 'no user_metadata' }),
    };
    const keep = (reason: DeadLetterRecord['reason'], detail: string, stored: GeminiEvent) =>
      this.deps.delivery.deadLetter(
        { webhookId, reason, detail, eventType: event.type, resourceId: event.resourceId, event: stored, receivedAt },
        route.trusted,
      );
    const bytes = Buffer.byteLength(JSON.stringify(event));
    if (bytes > this.deps.maxEventBytes) {
      const cut = { ...event, data: { id: event.resourceId, cut: `${bytes} bytes` } };
      return this.deps.handOver.run(fields, () => keep('too_large', `event of ${bytes} bytes`, cut));
    }
    const handOver = () =>
      this.deps.handOver.run(
        fields,
        () => this.deps.delivery.deliver(event, route, receivedAt),
        undefined,
        (err) => keep('rejected_by_temporal', String((err as Error).message).slice(0, 200), event),
      );
    return trace ? trace.within(handOver) : handOver();
  }

  /** Verified, but the body can never be parsed: acknowledged, and an excerpt kept (within budget if untrusted). */
  private unreadable(sender: VerifiedSender, reason: string, body: Buffer, receivedAt: string) {
    const fields: Fields = {
      scheme: sender.scheme,
      key: sender.key,
      webhookId: sender.webhookId,
      ...(sender.alsoSeenAs ? { alsoSeenAs: sender.alsoSeenAs } : {}),
      type: 'unknown',
      reason,
    };
    const record: DeadLetterRecord = {
      webhookId: sender.webhookId,
      reason: 'unreadable',
      detail: reason,
      eventType: 'unknown',
      envelope: { excerpt: bodyExcerpt(body) },
      receivedAt,
    };
    if (this.deps.dedupe.seen(sender.webhookId, sender.alsoSeenAs)) {
      return { status: 200, outcome: 'duplicate' as const, ...fields };
    }
    return this.deps.handOver.run(fields, () => this.deps.delivery.deadLetter(record, sender.sender === 'deployment'));
  }
}
