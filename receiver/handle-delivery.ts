import type { Client } from '@temporalio/client';
import type { Delivered, EventDelivery } from './deliver';
import type { WebhookIdDedupe } from './dedupe';
import { parseJsonBody, toGeminiEvent } from './event';
import type { ReceiverMetrics } from './metrics';
import { routeFor } from './route';
import { parseWebhookHeaders } from './verify/headers';
import type { DeliveryVerifier, Scheme } from './verify';

/** What one delivery came to: the HTTP answer plus the fields logged about it (never the body or a secret). */
export interface DeliveryResult {
  status: number;
  outcome:
    'signaled' | 'held' | 'dead_lettered' | 'recorded_unknown' | 'ping' | 'duplicate' | 'refused' | 'unavailable';
  reason?: string;
  scheme?: Scheme;
  key?: string;
  webhookId?: string;
  type?: string;
  resourceId?: string;
  workflowId?: string;
}

export interface DeliveryHandlerDeps {
  client: Client;
  verifier: DeliveryVerifier;
  delivery: EventDelivery;
  dedupe: WebhookIdDedupe<Delivered>;
  metrics: ReceiverMetrics;
  /** Gemini retries slow answers, so past this the answer is 503 and the retry is deduplicated. */
  ackTimeoutMs: number;
}

class AckTimeout extends Error {}

const pingTypes = new Set(['ping', 'webhook.ping', 'webhooks.ping']);

/** The receiver's pipeline, transport-free: headers, verification, envelope, dedupe, then Temporal. */
export class DeliveryHandler {
  constructor(private readonly deps: DeliveryHandlerDeps) {}

  async handle(headers: NodeJS.Dict<string[]>, body: Buffer): Promise<DeliveryResult> {
    const result = await this.process(headers, body);
    this.deps.metrics.deliveries.inc({
      type: result.type ?? 'none',
      outcome: result.outcome,
      scheme: result.scheme ?? 'none',
    });
    return result;
  }

  private async process(headers: NodeJS.Dict<string[]>, body: Buffer): Promise<DeliveryResult> {
    const { metrics, verifier } = this.deps;
    const parsedHeaders = parseWebhookHeaders(headers);
    if (!parsedHeaders.ok) return { status: 400, outcome: 'refused', reason: parsedHeaders.reason };

    const stopVerify = metrics.verificationSeconds.startTimer();
    const verified = await verifier.verify(parsedHeaders.headers, body);
    stopVerify({ scheme: verified.ok ? verified.scheme : 'none' });
    if (!verified.ok) {
      const outcome = verified.status === 503 ? 'unavailable' : 'refused';
      return { status: verified.status, outcome, reason: verified.reason, webhookId: parsedHeaders.headers.webhookId };
    }
    const { webhookId } = verified;
    const seen = { scheme: verified.scheme, key: verified.key, webhookId };

    const envelope = verified.envelope.source === 'claim' ? verified.envelope.value : parseJsonBody(body);
    if (envelope === undefined) return { status: 400, outcome: 'refused', reason: 'body is not UTF-8 JSON', ...seen };
    const receivedAt = new Date().toISOString();
    const parsed = toGeminiEvent(webhookId, envelope, receivedAt);
    if (parsed.kind === 'invalid') return { status: 400, outcome: 'refused', reason: parsed.reason, ...seen };

    if (this.deps.dedupe.seen(webhookId)) {
      return {
        status: 200,
        outcome: 'duplicate',
        ...seen,
        type: parsed.kind === 'event' ? parsed.event.type : 'unknown',
      };
    }

    if (parsed.kind === 'unknown-type') {
      if (pingTypes.has(parsed.rawType.trim().toLowerCase()))
        return { status: 200, outcome: 'ping', ...seen, type: 'ping' };
      const fields = { ...seen, type: 'unknown', resourceId: parsed.resourceId, reason: `unknown event type` };
      return this.withinBound(
        fields,
        async () => {
          await this.deps.delivery.deadLetter({
            webhookId,
            reason: 'unknown_type',
            detail: `event type ${JSON.stringify(parsed.rawType.slice(0, 100))} is not one of the nine`,
            eventType: parsed.rawType,
            resourceId: parsed.resourceId,
            envelope: parsed.envelope,
            receivedAt,
          });
          return { outcome: 'dead_lettered', reason: 'unknown_type' } satisfies Delivered;
        },
        'recorded_unknown',
      );
    }

    const { event, targetWorkflowId } = parsed;
    const route = routeFor(event.resourceId, targetWorkflowId);
    const fields = { ...seen, type: event.type, resourceId: event.resourceId };
    return this.withinBound(fields, () => this.deps.delivery.deliver(event, route, receivedAt));
  }

  private async withinBound(
    fields: Omit<DeliveryResult, 'status' | 'outcome'> & { webhookId: string },
    work: () => Promise<Delivered>,
    outcomeOverride?: DeliveryResult['outcome'],
  ): Promise<DeliveryResult> {
    const { client, dedupe, metrics, ackTimeoutMs } = this.deps;
    const stopSignal = metrics.signalSeconds.startTimer();
    let timer: NodeJS.Timeout | undefined;
    const deadline = Date.now() + ackTimeoutMs;
    const bound = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new AckTimeout()), ackTimeoutMs);
    });
    try {
      const { result, shared } = await Promise.race([
        dedupe.once(fields.webhookId, () => client.withDeadline(deadline, work)),
        bound,
      ]);
      stopSignal({ outcome: result.outcome });
      return {
        status: 200,
        ...fields,
        outcome: shared ? 'duplicate' : (outcomeOverride ?? result.outcome),
        reason: result.outcome === 'dead_lettered' ? result.reason : fields.reason,
        workflowId: result.workflowId,
      };
    } catch (err) {
      stopSignal({ outcome: 'unavailable' });
      // The gRPC deadline and the timer race; either way the bound was reached.
      const reason =
        err instanceof AckTimeout || Date.now() >= deadline
          ? `Temporal did not accept the event within ${ackTimeoutMs} ms`
          : `Temporal did not accept the event: ${String((err as Error).message ?? err).slice(0, 200)}`;
      return { status: 503, ...fields, outcome: 'unavailable', reason };
    } finally {
      clearTimeout(timer);
    }
  }
}
