import type { RunningEmulator } from '../support/stack';

/** Delivery and API fault rates the chaos run aims at, per delivery (reorder: a held group every `reorderEvery`). */
export interface FaultRates {
  drop: number;
  duplicate: number;
  reorderEvery: number;
  /** Chance, per delivery, of the next matching Gemini API call being answered 503 or 429. */
  apiFailure: number;
}

export const defaultRates: FaultRates = { drop: 0.1, duplicate: 0.2, reorderEvery: 10, apiFailure: 0.05 };
export const noFaults: FaultRates = { drop: 0, duplicate: 0, reorderEvery: 0, apiFailure: 0 };

/** API calls the pipelines make whose failure the product must absorb (retries, status-read backstop). */
const failingMethods = ['interactions.create', 'interactions.get', 'batches.create', 'batches.get', 'files.download'];

type Kind = 'drop' | 'duplicate' | 'reorder' | 'api';

/**
 * The emulator's faults are deterministic ("the next N matching"); this turns them into rates: for every new delivery
 * it rolls the dice and arms faults for the deliveries (and calls) that follow. Only faults the emulator actually used
 * are counted as injected.
 */
export class FaultInjector {
  private seen = 0;
  private armed = new Map<string, Kind>();
  private used: Record<Kind, number> = { drop: 0, duplicate: 0, reorder: 0, api: 0 };
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly emulator: RunningEmulator,
    private readonly rates: FaultRates,
    private readonly random: () => number,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), 200);
  }

  /** Stops arming faults and releases any held reorder group, so the run can finish. */
  stop(): void {
    clearInterval(this.timer);
    this.settle(true);
  }

  counts(): Record<Kind, number> & { deliveries: number } {
    this.settle(false);
    return { ...this.used, deliveries: this.emulator.control.inspect.deliveries().length };
  }

  private tick(): void {
    this.settle(false);
    const faults = this.emulator.control.faults;
    const total = this.emulator.control.inspect.deliveries().length;
    for (; this.seen < total; this.seen++) {
      const roll = this.random();
      if (roll < this.rates.drop) this.arm(faults.addDeliveryFault({ kind: 'drop' }).id, 'drop');
      else if (roll < this.rates.drop + this.rates.duplicate)
        this.arm(faults.addDeliveryFault({ kind: 'duplicate' }).id, 'duplicate');
      if (
        this.rates.reorderEvery &&
        this.seen % this.rates.reorderEvery === this.rates.reorderEvery - 1 &&
        !this.holding()
      ) {
        this.arm(faults.addDeliveryFault({ kind: 'reorder', count: 2 + Math.floor(this.random() * 2) }).id, 'reorder');
      }
      if (this.random() < this.rates.apiFailure) {
        const sdkMethod = failingMethods[Math.floor(this.random() * failingMethods.length)]!;
        const status = this.random() < 0.5 ? 503 : 429;
        this.arm(faults.addApiFault({ status, sdkMethod, message: 'chaos' }).id, 'api');
      }
    }
    // A reorder group holds its deliveries until it is full; in a quiet moment, release it rather than stall the run.
    if (this.holding() && this.quietFor(3000)) this.settle(true);
  }

  private arm(id: string, kind: Kind): void {
    this.armed.set(id, kind);
  }

  private holding(): boolean {
    return this.emulator.control.faults.list().some((f) => this.armed.get(f.id) === 'reorder');
  }

  private lastCount = 0;
  private lastChange = Date.now();
  private quietFor(ms: number): boolean {
    const n = this.emulator.control.inspect.deliveries().length;
    if (n !== this.lastCount) [this.lastCount, this.lastChange] = [n, Date.now()];
    return Date.now() - this.lastChange > ms;
  }

  /** Counts armed faults the emulator has used up; with `release`, clears the rest (a partial reorder counts). */
  private settle(release: boolean): void {
    const active = new Map(this.emulator.control.faults.list().map((f) => [f.id, f]));
    for (const [id, kind] of this.armed) {
      const f = active.get(id);
      if (!f) {
        this.used[kind]++;
        this.armed.delete(id);
      } else if (release) {
        const fault = f.fault as { kind?: string; count?: number };
        if (kind === 'reorder' && f.remaining < (fault.count ?? 1)) this.used.reorder++;
        this.armed.delete(id);
      }
    }
    if (release) this.emulator.control.faults.clear();
  }
}
