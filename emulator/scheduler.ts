import type { EmulatorClock } from './clock';

interface Task {
  due: number;
  seq: number;
  run: () => unknown;
  cancelled: boolean;
}

/** Largest delay setTimeout accepts; longer waits re-arm. */
const maxTimerDelay = 2_147_483_647;

/**
 * Timers in emulator time. Real time fires them through one setTimeout armed for the earliest; `advance` fires them
 * in due order with the clock set to each one's due time, awaiting the work each starts, so a retry scheduled by a
 * failed attempt inside the advanced window also runs inside it.
 */
export class Scheduler {
  private readonly queue: Task[] = [];
  private readonly inflight = new Set<Promise<unknown>>();
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly clock: EmulatorClock) {}

  /** Runs `run` at emulator time `due` (or at once if that has passed); returns a cancel function. */
  at(due: number, run: () => unknown): () => void {
    const task: Task = { due, seq: this.seq++, run, cancelled: false };
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.queue[mid].due <= due) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, task);
    if (lo === 0) this.arm();
    return () => {
      task.cancelled = true;
    };
  }

  after(ms: number, run: () => unknown): () => void {
    return this.at(this.clock.now() + ms, run);
  }

  /** Counts `p` as in-flight work for `idle()` and `advance()`. */
  track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    const done = () => this.inflight.delete(p);
    p.then(done, done);
    return p;
  }

  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`advance needs a non-negative number of ms, got ${ms}`);
    // Work already started belongs to the present: let it finish before time moves.
    await this.idle();
    const target = this.clock.now() + ms;
    for (;;) {
      this.dropCancelled();
      const next = this.queue[0];
      if (!next || next.due > target) break;
      this.queue.shift();
      this.clock.jumpTo(next.due);
      this.runTask(next);
      await this.settle();
    }
    this.clock.jumpTo(target);
    this.arm();
  }

  /** Resolves once nothing is in flight and no timer is due. */
  async idle(): Promise<void> {
    for (;;) {
      this.runDue();
      if (this.inflight.size === 0) return;
      await this.settle();
    }
  }

  /** Re-arms after a clock change (time scale). */
  rearm(): void {
    this.arm();
  }

  clear(): void {
    for (const t of this.queue) t.cancelled = true;
    this.queue.length = 0;
  }

  stop(): void {
    this.stopped = true;
    this.clear();
    if (this.timer) clearTimeout(this.timer);
  }

  private async settle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  private runDue(): void {
    for (;;) {
      // Take every due task in one splice: a burst of thousands of deliveries must not cost a shift each.
      const now = this.clock.now();
      let k = 0;
      while (k < this.queue.length && this.queue[k].due <= now) k++;
      if (k === 0) break;
      for (const task of this.queue.splice(0, k)) if (!task.cancelled) this.runTask(task);
    }
    this.arm();
  }

  private runTask(task: Task): void {
    if (task.cancelled) return;
    try {
      const result = task.run();
      if (result instanceof Promise) this.track(result).catch(() => undefined);
    } catch {
      // A task's own error handling records failures; a throw here must not stop the other timers.
    }
  }

  private dropCancelled(): void {
    while (this.queue.length > 0 && this.queue[0].cancelled) this.queue.shift();
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopped) return;
    this.dropCancelled();
    const next = this.queue[0];
    if (!next) return;
    const delay = Math.min(maxTimerDelay, Math.ceil(this.clock.realDelayUntil(next.due)));
    this.timer = setTimeout(() => this.runDue(), delay);
    this.timer.unref();
  }
}
