/** The bounds of admission control; defaults in options.ts, measured in docs/receiver.md "Admission control". */
export interface AdmissionLimits {
  /** Deliveries handing work to Temporal at once. */
  maxInFlight: number;
  /** Deliveries waiting for one of those places. */
  maxQueued: number;
  /** The longest a queued delivery waits for a place before it is refused. */
  maxWaitMs: number;
}

/** Why a delivery was not let through, and when the sender should try again. */
export interface Refusal {
  reason: 'queue full' | 'queue wait exceeded';
  retryAfterSec: number;
}

interface Waiter {
  deadline: number;
  admit: (refusal: Refusal | undefined) => void;
}

const maxRetryAfterSec = 60;
/** The drain rate assumed before any has been measured (deliveries per second). */
const assumedRatePerSec = 100;

/**
 * Admission control in front of Temporal: at most `maxInFlight` deliveries hand work to Temporal at once and at most
 * `maxQueued` wait for a place, each for at most `maxWaitMs`. A delivery that finds the queue full is refused at once,
 * so a burst is pushed back to the sender's retries cheaply instead of every delivery holding a connection until the
 * ack bound fails it. Places are handed over in arrival order.
 *
 * Each refusal names a time to come back (Retry-After): when the work ahead of it should be done at the rate
 * deliveries have been completing, and no earlier than the previous refusal's time plus one delivery's share, so the
 * refused deliveries of a burst return spread out at about the rate the receiver drains, not all at once.
 */
export class Admission {
  private inFlight = 0;
  private readonly waiting: Waiter[] = [];
  private head = 0;
  private timer?: NodeJS.Timeout;
  /** Completions per second, an exponentially weighted average over about a second. */
  private ratePerSec = 0;
  private rateCount = 0;
  private rateSince: number;
  /** The time (ms) the last refused delivery was told to come back. */
  private nextRetryAt = 0;

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.rateSince = now();
  }

  get depth(): number {
    return this.waiting.length - this.head;
  }

  get active(): number {
    return this.inFlight;
  }

  /**
   * Takes a place: at once when one is free (no allocation), else in the queue. Resolves undefined once admitted; the
   * caller then calls `leave()` exactly once. Resolves a refusal when the queue is full or the wait ran out.
   */
  enter(): Refusal | undefined | Promise<Refusal | undefined> {
    if (this.inFlight < this.limits.maxInFlight && this.depth === 0) {
      this.inFlight++;
      return undefined;
    }
    if (this.depth >= this.limits.maxQueued) return this.refusal('queue full');
    return new Promise((admit) => {
      this.waiting.push({ deadline: this.now() + this.limits.maxWaitMs, admit });
      this.arm();
    });
  }

  /** Gives the place back, straight to the first waiter still in time. */
  leave(): void {
    this.completed();
    while (this.depth > 0) {
      const next = this.shift();
      if (next.deadline >= this.now()) {
        next.admit(undefined);
        return;
      }
      next.admit(this.refusal('queue wait exceeded'));
    }
    this.inFlight--;
  }

  private refusal(reason: Refusal['reason']): Refusal {
    const now = this.now();
    const rate = Math.max(this.currentRate(now), assumedRatePerSec / 10);
    const ahead = ((this.inFlight + this.depth) / rate) * 1000;
    const at = Math.max(now + ahead, this.nextRetryAt);
    this.nextRetryAt = at + 1000 / rate;
    const retryAfterSec = Math.min(maxRetryAfterSec, Math.max(1, Math.ceil((at - now) / 1000)));
    return { reason, retryAfterSec };
  }

  private completed(): void {
    this.rateCount++;
    this.currentRate(this.now());
  }

  /** Folds the completions counted since the last fold into the average, once at least 250 ms have passed. */
  private currentRate(now: number): number {
    const elapsed = now - this.rateSince;
    if (elapsed >= 250) {
      const sample = (this.rateCount * 1000) / elapsed;
      const weight = Math.min(1, elapsed / 1000);
      this.ratePerSec = this.ratePerSec === 0 ? sample : this.ratePerSec + weight * (sample - this.ratePerSec);
      this.rateCount = 0;
      this.rateSince = now;
    }
    return this.ratePerSec || assumedRatePerSec;
  }

  private shift(): Waiter {
    const next = this.waiting[this.head++]!;
    if (this.head === this.waiting.length) {
      this.waiting.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting.splice(0, this.head);
      this.head = 0;
    }
    return next;
  }

  /** One timer for the whole queue: waiters leave in arrival order, so the first one always times out first. */
  private arm(): void {
    if (this.timer || this.depth === 0) return;
    const delay = Math.max(0, this.waiting[this.head]!.deadline - this.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const now = this.now();
      while (this.depth > 0 && this.waiting[this.head]!.deadline < now) {
        this.shift().admit(this.refusal('queue wait exceeded'));
      }
      this.arm();
    }, delay + 1);
    this.timer.unref();
  }
}
