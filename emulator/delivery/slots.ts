/**
 * Bounds the delivery attempts in flight, so a burst of thousands of events does not open thousands of sockets at once.
 * Waiters are served in order from an array with a moving head (a shift per release would cost O(n) on long queues).
 */
export class AttemptSlots {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private waitingHead = 0;

  constructor(private readonly limit: number) {}

  acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Hands the slot to the next waiter, if any. */
  release(): void {
    if (this.waitingHead < this.waiting.length) {
      const next = this.waiting[this.waitingHead++];
      if (this.waitingHead === this.waiting.length) {
        this.waiting.length = 0;
        this.waitingHead = 0;
      }
      next();
    } else this.active -= 1;
  }
}
