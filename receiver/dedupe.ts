/**
 * The fast path for Gemini's at-least-once delivery: ids this process has already handed to Temporal, and the ones it
 * is handing over right now (so two concurrent copies cause one signal). A delivery may have two identities (a JWT's
 * own and its webhook-id header); either one seen makes it a duplicate. It is only the first filter: across restarts
 * and receiver instances, Temporal drops a signal whose request id (the delivery's id) the run has seen, and each
 * workflow's inbox deduplicates by webhook-id.
 */
export class WebhookIdDedupe<T> {
  private readonly done = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<T>>();

  constructor(
    private readonly capacity = 10_000,
    private readonly ttlMs = 24 * 60 * 60 * 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when the delivery was handed over before (and not yet forgotten) under either of its ids. */
  seen(id: string, also?: string): boolean {
    return this.seenOne(id) || (also !== undefined && this.seenOne(also));
  }

  /** The attempt in flight for either id, if any: a copy shares it instead of making its own. */
  running(id: string, also?: string): Promise<T> | undefined {
    return this.inFlight.get(id) ?? (also === undefined ? undefined : this.inFlight.get(also));
  }

  /**
   * Runs `work` once per delivery at a time: a concurrent copy shares the first one's result. The ids are remembered
   * only when `work` succeeds, so a failed attempt (503) can be retried.
   */
  async once(id: string, work: () => Promise<T>, also?: string): Promise<{ result: T; shared: boolean }> {
    const running = this.running(id, also);
    if (running) return { result: await running, shared: true };
    const attempt = work();
    this.inFlight.set(id, attempt);
    if (also !== undefined) this.inFlight.set(also, attempt);
    try {
      const result = await attempt;
      this.remember(id);
      if (also !== undefined) this.remember(also);
      return { result, shared: false };
    } finally {
      this.inFlight.delete(id);
      if (also !== undefined) this.inFlight.delete(also);
    }
  }

  private seenOne(id: string): boolean {
    const at = this.done.get(id);
    if (at === undefined) return false;
    if (this.now() - at > this.ttlMs) {
      this.done.delete(id);
      return false;
    }
    return true;
  }

  private remember(id: string): void {
    this.done.delete(id);
    this.done.set(id, this.now());
    if (this.done.size > this.capacity) {
      const oldest = this.done.keys().next().value;
      if (oldest !== undefined) this.done.delete(oldest);
    }
  }
}
