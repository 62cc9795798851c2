import { type EmulatorClock, isoOf } from '../clock';
import type { DeliveryFacts, FaultBook } from '../faults';
import type { Scheduler } from '../scheduler';
import type {
  DeliveryAttempt,
  DeliveryFilter,
  DeliveryRecord,
  DynamicSigning,
  SigningScheme,
  WebhookTimestampClock,
} from '../types';
import type { WebhookRegistry } from '../webhooks';
import { type DeliveryTarget, deliveryTarget, outcomeOf, type PostResult, postDelivery } from './http-post';
import type { SigningKeys } from './keys';
import { retryDelayMs } from './retry-policy';
import { signJwt, signV1, signV1a } from './sign';
import { AttemptSlots } from './slots';

export interface NewDelivery {
  webhookId: string;
  eventType: string;
  resourceId: string;
  body: string;
  uri: string;
  target: DeliveryRecord['target'];
  /**
   * A ping's first attempt goes out whatever the webhook's state (it is how a person tests a disabled endpoint); its
   * retries stop like any delivery's while the webhook is not enabled, so re-enabling it is not undone by an old ping.
   */
  ignoreWebhookState?: boolean;
}

interface Delivery {
  record: DeliveryRecord;
  payload: Buffer;
  target: DeliveryTarget | undefined;
  /** The envelope, parsed once, for the JWT `event` claim. */
  event?: unknown;
  ignoreWebhookState: boolean;
  failures: number;
  duplicateCopies: number;
  cancelTimer?: () => void;
}

export interface DelivererOptions {
  clock: EmulatorClock;
  scheduler: Scheduler;
  faults: FaultBook;
  keys: SigningKeys;
  registry: WebhookRegistry;
  dynamicSigning: DynamicSigning;
  timeoutMs: number;
  webhookTimestampClock: WebhookTimestampClock;
  retryWindowMs: number;
  concurrency: number;
  /** `iss` of JWT signatures. */
  issuer: () => string;
}

/**
 * At-least-once delivery: signs each attempt afresh (current timestamp, current secrets), retries non-2xx, timeouts and
 * network errors with exponential backoff in emulator time for the retry window, applies delivery faults, and keeps a
 * record of every attempt for inspection.
 */
export class Deliverer {
  private readonly deliveries: Delivery[] = [];
  private held: Delivery[] = [];
  private seq = 0;
  private readonly slots: AttemptSlots;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly o: DelivererOptions) {
    this.slots = new AttemptSlots(o.concurrency);
  }

  enqueue(spec: NewDelivery): DeliveryRecord {
    const scheme: SigningScheme = spec.target.kind === 'registered' ? 'v1' : this.o.dynamicSigning;
    const record: DeliveryRecord = {
      seq: ++this.seq,
      webhookId: spec.webhookId,
      eventType: spec.eventType,
      resourceId: spec.resourceId,
      target: spec.target,
      uri: spec.uri,
      scheme,
      body: spec.body,
      createdAt: isoOf(this.o.clock.now()),
      status: 'pending',
      attempts: [],
    };
    const d: Delivery = {
      record,
      payload: Buffer.from(spec.body),
      target: deliveryTarget(spec.uri),
      event: scheme === 'jwt' ? JSON.parse(spec.body) : undefined,
      ignoreWebhookState: spec.ignoreWebhookState ?? false,
      failures: 0,
      duplicateCopies: 0,
    };
    this.deliveries.push(d);
    const facts = this.factsOf(d);

    if (this.o.faults.takeDeliveryFault('drop', facts)) {
      record.status = 'dropped';
      this.changed();
      return record;
    }
    const duplicate = this.o.faults.takeDeliveryFault('duplicate', facts);
    if (duplicate) d.duplicateCopies = duplicate.copies ?? 1;
    const reorder = this.o.faults.peekDeliveryFault('reorder', facts);
    if (reorder) {
      this.o.faults.use(reorder);
      record.status = 'held';
      this.held.push(d);
      if (reorder.remaining <= 0) this.releaseHeld();
      this.changed();
      return record;
    }
    const delay = this.o.faults.takeDeliveryFault('delay', facts);
    this.schedule(d, this.o.clock.now() + (delay ? delay.delayMs : 0));
    this.changed();
    return record;
  }

  /** Sends held deliveries one after another, newest first. */
  releaseHeld(): void {
    const batch = this.held.reverse();
    this.held = [];
    for (const d of batch) d.record.status = 'pending';
    this.o.scheduler.after(0, async () => {
      for (const d of batch) {
        if (d.record.status === 'pending') await this.attempt(d);
      }
    });
  }

  list(filter: DeliveryFilter = {}): DeliveryRecord[] {
    return this.deliveries
      .map((d) => d.record)
      .filter(
        (r) =>
          (!filter.eventType || r.eventType === filter.eventType) &&
          (!filter.resourceId || r.resourceId === filter.resourceId) &&
          (!filter.uri || r.uri === filter.uri) &&
          (!filter.status || r.status === filter.status) &&
          (!filter.webhookResourceId ||
            (r.target.kind === 'registered' && r.target.webhookResourceId === filter.webhookResourceId)),
      )
      .map((r) => structuredClone(r));
  }

  /** Calls `listener` after any delivery changes; returns an unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  clear(): void {
    for (const d of this.deliveries) d.cancelTimer?.();
    this.deliveries.length = 0;
    this.held = [];
  }

  private factsOf(d: Delivery): DeliveryFacts {
    const r = d.record;
    return { eventType: r.eventType, uri: r.uri, scheme: r.scheme, resourceId: r.resourceId };
  }

  private schedule(d: Delivery, at: number): void {
    d.record.status = 'pending';
    d.record.nextAttemptAt = isoOf(at);
    d.cancelTimer = this.o.scheduler.at(at, () => this.attempt(d));
  }

  private async attempt(d: Delivery): Promise<void> {
    const r = d.record;
    if (r.status !== 'pending') return;
    r.nextAttemptAt = undefined;
    if (r.target.kind === 'registered') {
      const w = this.o.registry.find(r.target.webhookResourceId);
      if (!w || ((!d.ignoreWebhookState || d.failures > 0) && w.state !== 'enabled')) {
        r.status = 'cancelled';
        this.changed();
        return;
      }
    }
    const facts = this.factsOf(d);
    const stale = this.o.faults.takeDeliveryFault('stale_timestamp', facts);
    const injectedFailure = this.o.faults.takeDeliveryFault('fail', facts);
    // Backoff counts from when the attempt started, so retry times do not drift with the listener's response time.
    const startedAt = this.o.clock.now();
    const ok = await this.send(d, {
      staleSeconds: stale ? (stale.staleSeconds ?? 600) : 0,
      injectedFailure: !!injectedFailure,
    });
    if (r.status !== 'pending') return; // cancelled while in flight (webhook disabled, reset)
    if (ok) {
      r.status = 'delivered';
      for (let i = 0; i < d.duplicateCopies; i++) await this.send(d, { duplicate: true });
      d.duplicateCopies = 0;
      this.changed();
      return;
    }
    d.failures += 1;
    const next = startedAt + retryDelayMs(d.failures);
    if (next - Date.parse(r.createdAt) > this.o.retryWindowMs) {
      r.status = 'failed';
      this.changed();
      return;
    }
    this.schedule(d, next);
    this.changed();
  }

  private async send(
    d: Delivery,
    how: { staleSeconds?: number; injectedFailure?: boolean; duplicate?: boolean },
  ): Promise<boolean> {
    await this.slots.acquire();
    const started = performance.now();
    const r = d.record;
    try {
      const timestamp = Math.floor(this.timestampSourceNow() / 1000) - (how.staleSeconds ?? 0);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': 'gemini-emulator-webhooks/1',
        'webhook-id': r.webhookId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': this.signature(d, timestamp),
      };
      let result: PostResult;
      if (how.injectedFailure) result = { ok: false, error: 'network', message: 'injected failure (fault)' };
      else result = await postDelivery(d.target, d.payload, headers, this.o.timeoutMs);
      const attempt: DeliveryAttempt = {
        n: r.attempts.length + 1,
        at: isoOf(this.o.clock.now()),
        outcome: how.injectedFailure ? 'injected_failure' : outcomeOf(result),
        headers,
        durationMs: Math.round(performance.now() - started),
      };
      if ('statusCode' in result) attempt.statusCode = result.statusCode;
      if ('message' in result) attempt.error = result.message;
      if (how.duplicate) attempt.duplicate = true;
      if (how.staleSeconds) attempt.stale = true;
      r.attempts.push(attempt);
      if (r.target.kind === 'registered' && !how.duplicate) {
        const disabled = this.o.registry.noteAttempt(r.target.webhookResourceId, result.ok);
        if (disabled) this.cancelPendingFor(r.target.webhookResourceId);
      }
      return result.ok;
    } finally {
      this.slots.release();
    }
  }

  /**
   * A receiver checks webhook-timestamp against its own wall clock, which a scaled emulator clock leaves behind at
   * once; so `auto` reads the wall clock whenever the scale is not 1 (read per attempt: the scale can change at run
   * time).
   */
  private timestampSourceNow(): number {
    const source = this.o.webhookTimestampClock;
    const real = source === 'real' || (source === 'auto' && this.o.clock.timeScale !== 1);
    return real ? Date.now() : this.o.clock.now();
  }

  private signature(d: Delivery, timestamp: number): string {
    const r = d.record;
    const message = { webhookId: r.webhookId, timestamp, body: r.body };
    if (r.target.kind === 'registered') {
      const w = this.o.registry.find(r.target.webhookResourceId);
      return signV1(w ? this.o.registry.signingKeys(w) : [], message);
    }
    if (r.scheme === 'v1a') return signV1a(this.o.keys.activeEd25519, message);
    return signJwt(this.o.keys.rsa, {
      ...message,
      issuer: this.o.issuer(),
      audience: r.uri,
      eventType: r.eventType,
      event: d.event,
    });
  }

  private cancelPendingFor(webhookResourceId: string): void {
    for (const d of this.deliveries) {
      const r = d.record;
      if (r.target.kind !== 'registered' || r.target.webhookResourceId !== webhookResourceId) continue;
      if (r.status === 'pending' || r.status === 'held') {
        d.cancelTimer?.();
        r.status = 'cancelled';
        r.nextAttemptAt = undefined;
      }
    }
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}
