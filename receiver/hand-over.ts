import type { Client } from '@temporalio/client';
import type { Admission, Refusal } from './admission';
import type { WebhookIdDedupe } from './dedupe';
import type { Delivered } from './deliver';
import type { DeliveryFields, DeliveryResult } from './delivery-result';
import type { ReceiverMetrics } from './metrics';
import { isPermanentTemporalError } from './temporal-errors';

export interface HandOverDeps {
  client: Client;
  dedupe: WebhookIdDedupe<Delivered>;
  admission: Admission;
  metrics: ReceiverMetrics;
  /** Gemini retries slow answers, so past this the answer is 503 and the retry is deduplicated. */
  ackTimeoutMs: number;
}

class AckTimeoutError extends Error {
  override name = 'AckTimeoutError';
}

const refusedForGood: Delivered = { outcome: 'dropped', reason: 'Temporal refused the event and its dead letter' };

/**
 * Hands a verified delivery's work to Temporal: through admission control (a place among the signals in flight, or a
 * short wait in the queue, or 503 with Retry-After at once), once per delivery (a concurrent copy shares the attempt
 * without taking a place), and within the ack bound. Unavailability (or the bound) is 503 so Gemini retries; an event
 * Temporal refuses for good goes to `fallback` (a bounded dead letter) and is answered 2xx.
 */
export class HandOver {
  /** When Temporal last accepted something: readiness needs no probe while deliveries are landing. */
  lastAcceptedAt = 0;

  constructor(private readonly deps: HandOverDeps) {}

  async run(
    fields: DeliveryFields,
    work: () => Promise<Delivered>,
    outcomeOverride?: DeliveryResult['outcome'],
    fallback: (err: unknown) => Promise<Delivered> = () => Promise.resolve(refusedForGood),
  ): Promise<DeliveryResult> {
    const { dedupe, admission, metrics } = this.deps;
    const arrived = performance.now();
    const shared = dedupe.running(fields.webhookId, fields.alsoSeenAs);
    let queuedMs: number | undefined;
    if (!shared) {
      const entered = admission.enter();
      if (entered instanceof Promise) {
        const wait = await entered;
        queuedMs = performance.now() - arrived;
        metrics.queueWaitSeconds.observe(queuedMs / 1000, wait);
      } else if (entered) return this.busy(fields, entered);
    }
    let released = shared !== undefined;
    const admitted = performance.now();
    const release = () => {
      if (!released) admission.leave(performance.now() - admitted);
      released = true;
    };
    const result = await this.withinBound(fields, work, outcomeOverride, fallback, release);
    return queuedMs === undefined ? result : { ...result, queuedMs: Math.round(queuedMs) };
  }

  /** At the door (see Admission.atDoor): undefined when let in, else the answer for a delivery with no room. */
  atDoor(): DeliveryResult | undefined {
    const refusal = this.deps.admission.atDoor();
    return refusal && this.busy({}, refusal);
  }

  leftDoor(): void {
    this.deps.admission.leftDoor();
  }

  private busy(fields: Partial<DeliveryFields>, refusal: Refusal): DeliveryResult {
    this.deps.metrics.refusals.inc(refusal.reason);
    const reason = `receiver busy: ${refusal.reason}`;
    return { status: 503, ...fields, outcome: 'busy', reason, retryAfterSec: refusal.retryAfterSec };
  }

  private async withinBound(
    fields: DeliveryFields,
    work: () => Promise<Delivered>,
    outcomeOverride: DeliveryResult['outcome'] | undefined,
    fallback: (err: unknown) => Promise<Delivered>,
    release: () => void,
  ): Promise<DeliveryResult> {
    const { client, dedupe, metrics, ackTimeoutMs } = this.deps;
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const deadline = Date.now() + ackTimeoutMs;
    const bound = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new AckTimeoutError()), ackTimeoutMs);
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
    // The place is given back when Temporal answers (its deadline is the ack bound), not when the bound answers 503;
    // or at once when a copy that started meanwhile is shared instead.
    let invoked = false;
    const handed = dedupe.once(
      fields.webhookId,
      () => {
        invoked = true;
        return client.withDeadline(deadline, attempt).finally(release);
      },
      fields.alsoSeenAs,
    );
    if (!invoked) release();
    try {
      const { result, shared } = await Promise.race([handed, bound]);
      this.lastAcceptedAt = Date.now();
      metrics.signalSeconds.observe((performance.now() - started) / 1000, result.outcome);
      const stored = result.outcome === 'dead_lettered' || result.outcome === 'dropped' || result.outcome === 'late';
      return {
        status: 200,
        ...fields,
        outcome: shared ? 'duplicate' : result.outcome === 'dropped' ? 'dropped' : (outcomeOverride ?? result.outcome),
        reason: stored ? result.reason : fields.reason,
        workflowId: 'workflowId' in result ? result.workflowId : undefined,
      };
    } catch (err) {
      metrics.signalSeconds.observe((performance.now() - started) / 1000, 'unavailable');
      // The gRPC deadline and the timer race; either way the bound was reached.
      const reason =
        err instanceof AckTimeoutError || Date.now() >= deadline
          ? `Temporal did not accept the event within ${ackTimeoutMs} ms`
          : 'Temporal is unavailable';
      const error = String((err as Error)?.message ?? err).slice(0, 200);
      return { status: 503, ...fields, outcome: 'unavailable', reason, error };
    } finally {
      clearTimeout(timer);
    }
  }
}
