import { performance } from 'node:perf_hooks';

/**
 * Emulator time: starts at the real wall clock, runs `timeScale` times as fast as real time, and can jump forward.
 * Everything time-dependent in the emulator (job durations, retry backoff, secret grace periods, batch expiry) reads
 * this clock, so tests cover 24 h windows in seconds.
 */
export class EmulatorClock {
  private anchorEmu: number;
  private anchorReal = performance.now();

  constructor(
    private scale = 1,
    start = Date.now(),
  ) {
    if (!(scale > 0)) throw new RangeError(`timeScale must be a positive number, got ${scale}`);
    this.anchorEmu = start;
  }

  /** Emulator time in unix ms (integral). */
  now(): number {
    return Math.floor(this.anchorEmu + (performance.now() - this.anchorReal) * this.scale);
  }

  get timeScale(): number {
    return this.scale;
  }

  setTimeScale(scale: number): void {
    if (!(scale > 0)) throw new RangeError(`timeScale must be a positive number, got ${scale}`);
    this.reanchor(this.now());
    this.scale = scale;
  }

  /** Moves time forward to `t`; never backwards. */
  jumpTo(t: number): void {
    if (t > this.now()) this.reanchor(t);
  }

  /** Real milliseconds until emulator time `t`. */
  realDelayUntil(t: number): number {
    return Math.max(0, (t - this.now()) / this.scale);
  }

  private reanchor(emu: number): void {
    this.anchorEmu = emu;
    this.anchorReal = performance.now();
  }
}

export const isoOf = (ms: number): string => new Date(ms).toISOString();
