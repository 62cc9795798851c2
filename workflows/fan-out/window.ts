/** The window's state, carried from one run of a fan-out to the next. */
export interface WindowState {
  current: number;
  max: number;
  lowest: number;
  /** Workflow time (ms) of the last shrink and of the last rate-limit sign. */
  shrunkAt: number;
  limitedAt: number;
}

/** A burst of reports from one wave of refused calls halves the window once, not once per report. */
const shrinkEveryMs = 10_000;
/** The window grows back only once no rate limit has been seen for this long. */
const growAfterQuietMs = 30_000;

/**
 * How many children a fan-out keeps in flight: `max` while Gemini accepts the work; halved on a rate limit (at most
 * once per 10 s, down to 1), and grown back by one per finished child once rate limits stop for 30 s. The calls that
 * were refused are retried by their activities' retry policies meanwhile; the window only decides what starts.
 * Times are workflow time, so the same history always gives the same window.
 */
export class AdaptiveWindow {
  private s: WindowState;

  constructor(max: number, carried?: WindowState) {
    this.s = carried
      ? { ...carried, max, current: Math.min(carried.current, max) }
      : { current: max, max, lowest: max, shrunkAt: 0, limitedAt: 0 };
  }

  /** Children that may be in flight now. */
  get allowed(): number {
    return Math.max(1, Math.floor(this.s.current));
  }

  rateLimited(now: number): void {
    this.s.limitedAt = now;
    if (now - this.s.shrunkAt < shrinkEveryMs) return;
    this.s.shrunkAt = now;
    this.s.current = Math.max(1, Math.floor(this.s.current / 2));
    this.s.lowest = Math.min(this.s.lowest, this.s.current);
  }

  finished(now: number): void {
    if (this.s.current < this.s.max && now - this.s.limitedAt >= growAfterQuietMs) this.s.current += 1;
  }

  state(): WindowState {
    return { ...this.s };
  }

  view(): { current: number; max: number; lowest: number } {
    return { current: this.allowed, max: this.s.max, lowest: this.s.lowest };
  }
}
