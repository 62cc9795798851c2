/**
 * The fast path for Gemini's at-least-once delivery: webhook-ids this process has already handed to Temporal, and
 * the ones it is handing over right now (so two concurrent copies cause one signal). It is only an optimisation:
 * correctness across restarts and receiver instances comes from the workflow inbox deduplicating by webhook-id.
 */
export class WebhookIdDedupe<T> {
  private readonly done = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<T>>();

  constructor(
    private readonly capacity = 10_000,
    private readonly ttlMs = 24 * 60 * 60 * 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when the id was delivered before (and not yet forgotten). */
  seen(id: string): boolean {
    const at = this.done.get(id);
    if (at === undefined) return false;
    if (this.now() - at > this.ttlMs) {
      this.done.delete(id);
      return false;
    }
    return true;
  }

  /**
   * Runs `work` once per id at a time: a concurrent copy shares the first one's result. The id is remembered only
   * when `work` succeeds, so a failed attempt (503) can be retried.
   */
  async once(id: string, work: () => Promise<T>): Promise<{ result: T; shared: boolean }> {
    const running = this.inFlight.get(id);
    if (running) return { result: await running, shared: true };
    const attempt = work();
    this.inFlight.set(id, attempt);
    try {
      const result = await attempt;
      this.remember(id);
      return { result, shared: false };
    } finally {
      this.inFlight.delete(id);
    }
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
