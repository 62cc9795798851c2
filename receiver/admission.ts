/** The bounds of admission control; defaults in options.ts, measured in docs/receiver.md "Admission control". */
export interface AdmissionLimits {
  /** Deliveries handing work to Temporal at once. */
  maxInFlight: number;
  /** Deliveries waiting for one of those places. */
  maxQueued: number;
  /** The longest wait the queue promises; a delivery whose place would come later is refused instead of queued. */
  maxWaitMs: number;
}

/** A delivery turned away (503), and when the sender should try again. */
export interface Refusal {
  reason: 'queue full';
  retryAfterSec: number;
}

/** How a queued delivery got its place: freed in time, or by the end of the wait the queue promised. */
export type Wait = 'in time' | 'late';

interface Waiter {
  deadline: number;
  admit: (wait: Wait) => void;
}

const maxRetryAfterSec = 60;
/** Deliveries per second assumed before any hand-over has been timed. */
const assumedRatePerSec = 100;
/** Weight of each new hand-over time in the running average. */
const latencyWeight = 0.05;

/**
 * Admission control in front of Temporal: at most `maxInFlight` deliveries hand work to Temporal at once and at most
 * `maxQueued` wait for a place. A delivery joins the queue only when its place should come within `maxWaitMs` at the
 * rate places are freeing up (the places over the average time Temporal takes to accept an event); one that finds no
 * room is refused at once, so a burst is pushed back to the sender's retries cheaply instead of every delivery holding
 * a connection until the ack bound fails it. Places are handed over in arrival order; a queued delivery whose place
 * has not come by the end of the promised wait is let through anyway (a refusal then would be a slow one).
 *
 * Each refusal names a time to come back (Retry-After): once the work ahead of it should be done, at a point picked
 * across the backlog of deliveries refused before it, so the refused deliveries of a burst return spread out at about
 * the rate the receiver drains, whether the sender holds back or sends everything at once.
 */
export class Admission {
  private inFlight = 0;
  /** Deliveries let in at the door and not yet answered (reading, verifying, queued, in flight). */
  private outstanding = 0;
  private readonly waiting: Waiter[] = [];
  private head = 0;
  private timer?: NodeJS.Timeout;
  /** Running average of how long a delivery holds its place (ms); undefined until one has. */
  private latencyMs?: number;
  /** Until when (ms) the deliveries refused so far are expected back, at the drain rate. */
  private retryBacklogUntil = 0;

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {}

  get depth(): number {
    return this.waiting.length - this.head;
  }

  get active(): number {
    return this.inFlight;
  }

  /** Places freed per second at the current pace: every place, once per average hand-over time. */
  get ratePerSec(): number {
    if (this.latencyMs === undefined) return assumedRatePerSec;
    return (this.limits.maxInFlight * 1000) / Math.max(this.latencyMs, 1);
  }

  /**
   * Takes a place: at once when one is free (undefined, no allocation), else a place in the queue (a promise of how
   * the wait ended), else a refusal. Once admitted, the caller calls `leave()` exactly once.
   */
  enter(): Refusal | undefined | Promise<Wait> {
    if (this.inFlight < this.limits.maxInFlight && this.depth === 0) {
      this.inFlight++;
      return undefined;
    }
    if (this.noRoom()) return this.refusal();
    return new Promise((admit) => {
      this.waiting.push({ deadline: this.now() + this.limits.maxWaitMs, admit });
      this.arm();
    });
  }

  /**
   * At the door, before the body is read: a delivery is let in (counted until `leftDoor()`) when it would find a place
   * or a place in the queue behind every delivery let in before it, and refused otherwise, so under a burst a refusal
   * costs neither a signature check nor a wait behind the deliveries already let in.
   */
  atDoor(): Refusal | undefined {
    if (this.outstanding >= this.limits.maxInFlight) {
      const position = this.outstanding - this.limits.maxInFlight + 1;
      if (position > this.limits.maxQueued || this.waitMs(position) > this.limits.maxWaitMs) return this.refusal();
    }
    this.outstanding++;
    return undefined;
  }

  /** A delivery let in at the door has been answered. */
  leftDoor(): void {
    this.outstanding--;
  }

  /** Gives the place back (held for `heldMs`), straight to the first waiter unless the places are over their bound. */
  leave(heldMs: number): void {
    this.latencyMs = this.latencyMs === undefined ? heldMs : this.latencyMs + latencyWeight * (heldMs - this.latencyMs);
    if (this.inFlight <= this.limits.maxInFlight && this.depth > 0) this.shift().admit('in time');
    else this.inFlight--;
  }

  private noRoom(): boolean {
    return this.depth >= this.limits.maxQueued || this.waitMs(this.depth + 1) > this.limits.maxWaitMs;
  }

  /** How long the delivery at `position` in the queue should wait for its place, at the current pace. */
  private waitMs(position: number): number {
    return (position / this.ratePerSec) * 1000;
  }

  private refusal(): Refusal {
    const now = this.now();
    const rate = this.ratePerSec;
    // Until the work ahead of it is done there is no point in coming back; the deliveries refused before it and not yet
    // back are a backlog that drains at the same rate, and each refusal adds its share to it.
    const ahead = (Math.max(this.inFlight + this.depth, this.outstanding) / rate) * 1000;
    const backlog = Math.max(0, this.retryBacklogUntil - now);
    this.retryBacklogUntil = now + backlog + 1000 / rate;
    const at = now + ahead + this.random() * backlog;
    const retryAfterSec = Math.min(maxRetryAfterSec, Math.max(1, Math.ceil((at - now) / 1000)));
    return { reason: 'queue full', retryAfterSec };
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

  /** One timer for the whole queue: waiters leave in arrival order, so the first one's wait always ends first. */
  private arm(): void {
    if (this.timer || this.depth === 0) return;
    const delay = Math.max(0, this.waiting[this.head]!.deadline - this.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const now = this.now();
      while (this.depth > 0 && this.waiting[this.head]!.deadline <= now) {
        this.inFlight++;
        this.shift().admit('late');
      }
      this.arm();
    }, delay + 1);
    this.timer.unref();
  }
}
