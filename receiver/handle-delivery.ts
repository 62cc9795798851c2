import type { Client } from '@temporalio/client';
import type { GeminiEvent } from '../common/contract';
import type { DeadLetterRecord } from '../routing/dead-letter-workflow';
import { toGeminiEvent } from '../routing/envelope';
import { eventKind, routeFor } from '../routing/route';
import type { RoutingKey } from '../routing/token';
import { bodyExcerpt } from './bounded-copy';
import type { Delivered, EventDelivery } from './deliver';
import type { WebhookIdDedupe } from './dedupe';
import type { ReceiverMetrics } from './metrics';
import { isPermanentTemporalError } from './temporal-errors';
import type { HeaderInput } from './verify/headers';
import type { VerifiedSender, WebhookVerifier } from './verify';

/** What one delivery came to: the HTTP answer plus the fields logged about it (never the body or a secret). */
export interface DeliveryResult {
  status: number;
  outcome:
    | 'signaled'
    | 'held'
    | 'late'
    | 'dead_lettered'
    | 'recorded_unknown'
    | 'ping'
    | 'duplicate'
    | 'dropped'
    | 'refused'
    | 'unavailable';
  reason?: string;
  scheme?: string;
  key?: string;
  webhookId?: string;
  type?: string;
  resourceId?: string;
  workflowId?: string;
  /** Why a per-request delivery was not routed by its user_metadata (no or invalid routing token). */
  untrusted?: string;
  /** The underlying error, for the log only: never part of the answer. */
  error?: string;
}

export interface DeliveryHandlerDeps {
  client: Client;
  verifier: WebhookVerifier;
  delivery: EventDelivery;
  dedupe: WebhookIdDedupe<Delivered>;
  metrics: ReceiverMetrics;
  /** Gemini retries slow answers, so past this the answer is 503 and the retry is deduplicated. */
  ackTimeoutMs: number;
  /** Keys that vouch for user_metadata routing of per-request deliveries; empty: route those by resource id. */
  routingKeys: readonly RoutingKey[];
  /** Larger events are not signaled (kept as a cut dead letter). */
  maxEventBytes: number;
}

class AckTimeout extends Error {}

type Fields = Omit<DeliveryResult, 'status' | 'outcome'> & { webhookId: string };

const pingTypes = new Set(['ping', 'webhook.ping', 'webhooks.ping']);
const isPing = (envelope: unknown) => {
  const type = (envelope as { type?: unknown } | null)?.type;
  return typeof type === 'string' && pingTypes.has(type.trim().toLowerCase());
};

/** The receiver's pipeline, transport-free: verification, envelope, dedupe, routing, then Temporal. */
export class DeliveryHandler {
  constructor(private readonly deps: DeliveryHandlerDeps) {}

  async handle(headers: HeaderInput, body: Buffer): Promise<DeliveryResult> {
    const result = await this.process(headers, body);
    this.deps.metrics.deliveries.inc({
      type: result.type ?? 'none',
      outcome: result.outcome,
      scheme: result.scheme ?? 'none',
    });
    if (result.untrusted) this.deps.metrics.untrusted.inc({ outcome: result.outcome, token: result.untrusted });
    return result;
  }

  private async process(headers: HeaderInput, body: Buffer): Promise<DeliveryResult> {
    const { metrics, verifier } = this.deps;
    const stopVerify = metrics.verificationSeconds.startTimer();
    const verified = await verifier.verify(body, headers);
    stopVerify({ scheme: verified.ok ? verified.scheme : (verified.verified?.scheme ?? 'none') });
    const receivedAt = new Date().toISOString();
    if (!verified.ok) {
      if (verified.verified) return this.unreadable(verified.verified, verified.reason, body, receivedAt);
      const outcome = verified.status === 503 ? 'unavailable' : 'refused';
      return { status: verified.status, outcome, reason: verified.reason };
    }
    const { webhookId } = verified;
    const trusted = verified.sender === 'deployment';
    const seen = { scheme: verified.scheme, key: verified.key, webhookId };
    if (isPing(verified.envelope)) return { status: 200, outcome: 'ping', ...seen, type: 'ping' };

    const parsed = toGeminiEvent(webhookId, verified.envelope, receivedAt);
    if (parsed.kind === 'invalid') return { status: 400, outcome: 'refused', reason: parsed.reason, ...seen };
    if (this.deps.dedupe.seen(webhookId)) {
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
      return this.withinBound(fields, () => this.deps.delivery.deadLetter(record, trusted), 'recorded_unknown');
    }

    const { event, target } = parsed;
    const proof = trusted
      ? undefined
      : { keys: this.deps.routingKeys, kind: eventKind(event.type), token: target?.token };
    const route = routeFor(event.resourceId, target?.workflowId, proof);
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
      return this.withinBound(fields, () => keep('too_large', `event of ${bytes} bytes`, cut));
    }
    return this.withinBound(
      fields,
      () => this.deps.delivery.deliver(event, route, receivedAt),
      undefined,
      (err) => keep('rejected_by_temporal', String((err as Error).message).slice(0, 200), event),
    );
  }

  /** Verified, but the body can never be parsed: acknowledged, and an excerpt kept (within budget if untrusted). */
  private unreadable(sender: VerifiedSender, reason: string, body: Buffer, receivedAt: string) {
    const fields = { scheme: sender.scheme, key: sender.key, webhookId: sender.webhookId, type: 'unknown', reason };
    const record: DeadLetterRecord = {
      webhookId: sender.webhookId,
      reason: 'unreadable',
      detail: reason,
      eventType: 'unknown',
      envelope: { excerpt: bodyExcerpt(body) },
      receivedAt,
    };
    if (this.deps.dedupe.seen(sender.webhookId)) return { status: 200, outcome: 'duplicate' as const, ...fields };
    return this.withinBound(fields, () => this.deps.delivery.deadLetter(record, sender.sender === 'deployment'));
  }

  /**
   * Hands the work to Temporal within the ack bound. Unavailability (or the bound) is 503 so Gemini retries; an
   * event Temporal refuses for good goes to `fallback` (a bounded dead letter) and is answered 2xx.
   */
  private async withinBound(
    fields: Fields,
    work: () => Promise<Delivered>,
    outcomeOverride?: DeliveryResult['outcome'],
    fallback: (err: unknown) => Promise<Delivered> = () => Promise.resolve(refusedForGood),
  ): Promise<DeliveryResult> {
    const { client, dedupe, metrics, ackTimeoutMs } = this.deps;
    const stopSignal = metrics.signalSeconds.startTimer();
    let timer: NodeJS.Timeout | undefined;
    const deadline = Date.now() + ackTimeoutMs;
    const bound = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new AckTimeout()), ackTimeoutMs);
    });
    const attempt = async () => {
      try {
        return await work();
      } catch (err) {
        if (!isPermanentTemporalError(err)) throw err;
        return fallback(err).catch((again) => {
          if (isPermanentTemporalError(again)) return refusedForGood;
          throw again;
        });
      }
    };
    try {
      const { result, shared } = await Promise.race([
        dedupe.once(fields.webhookId, () => client.withDeadline(deadline, attempt)),
        bound,
      ]);
      stopSignal({ outcome: result.outcome });
      const stored = result.outcome === 'dead_lettered' || result.outcome === 'dropped' || result.outcome === 'late';
      return {
        status: 200,
        ...fields,
        outcome: shared ? 'duplicate' : result.outcome === 'dropped' ? 'dropped' : (outcomeOverride ?? result.outcome),
        reason: stored ? result.reason : fields.reason,
        workflowId: 'workflowId' in result ? result.workflowId : undefined,
      };
    } catch (err) {
      stopSignal({ outcome: 'unavailable' });
      // The gRPC deadline and the timer race; either way the bound was reached.
      const reason =
        err instanceof AckTimeout || Date.now() >= deadline
          ? `Temporal did not accept the event within ${ackTimeoutMs} ms`
          : 'Temporal is unavailable';
      const error = String((err as Error)?.message ?? err).slice(0, 200);
      return { status: 503, ...fields, outcome: 'unavailable', reason, error };
    } finally {
      clearTimeout(timer);
    }
  }
}

const refusedForGood: Delivered = { outcome: 'dropped', reason: 'Temporal refused the event and its dead letter' };
