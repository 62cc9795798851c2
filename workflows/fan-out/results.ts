import {
  type FanOutFailure,
  type FanOutItemResult,
  type FanOutResultEntry,
  type FanOutResultsRef,
  GeminiflowFailure,
} from '../../contract';
import { storeFanOutResults } from '../activities';

/** What one run of a fan-out hands to the next about results. */
export interface ResultsCarry {
  /** Results kept inline (only while they fit within the inline limit). */
  inline: FanOutResultEntry[];
  /** Stored segments, once results outgrew the inline limit. */
  segments: string[];
  storedCount: number;
  failures: FanOutFailure[];
}

/** Each store call stays far below Temporal's 2 MB payload limit. */
const segmentBytes = 256 * 1024;
const failuresListed = 100;

/**
 * A fan-out's results. They stay in memory (and are carried to the next run) while their JSON fits within the inline
 * limit, so a small fan-out returns them in its result; past it, they go to the fan-out store in segments of about
 * 256 KiB and the result holds a reference instead.
 */
export class FanOutResults {
  private buffer: FanOutResultEntry[];
  private bytes: number;
  private segments: string[];
  private storedCount: number;
  readonly failures: FanOutFailure[];

  constructor(
    private readonly storeKey: string,
    private readonly inlineLimit: number,
    carried?: ResultsCarry,
  ) {
    this.buffer = [...(carried?.inline ?? [])];
    this.bytes = this.buffer.reduce((sum, e) => sum + JSON.stringify(e).length, 0);
    this.segments = [...(carried?.segments ?? [])];
    this.storedCount = carried?.storedCount ?? 0;
    this.failures = [...(carried?.failures ?? [])];
  }

  private get stored(): boolean {
    return this.segments.length > 0;
  }

  /** `failure: false` for an item that did not fail of its own accord (cancelled when the fan-out stopped). */
  add(index: number, result: FanOutItemResult, label?: string, failure = !result.ok): void {
    const entry = { i: index, r: result };
    this.buffer.push(entry);
    this.bytes += JSON.stringify(entry).length;
    if (!result.ok && failure && this.failures.length < failuresListed) {
      this.failures.push({ index, ...(label !== undefined ? { label } : {}), error: result.error });
    }
  }

  /** Stores the buffer once results no longer fit inline, and then every ~256 KiB. */
  async storeIfDue(): Promise<void> {
    if (this.bytes > (this.stored ? segmentBytes : this.inlineLimit)) await this.store();
  }

  private async store(): Promise<void> {
    while (this.buffer.length) {
      let size = 0;
      let n = 0;
      while (n < this.buffer.length && (n === 0 || size < segmentBytes))
        size += JSON.stringify(this.buffer[n++]).length;
      const entries = this.buffer.splice(0, n);
      const segment = await storeFanOutResults({ key: this.storeKey, segment: this.segments.length, entries });
      this.segments.push(segment);
      this.storedCount += entries.length;
    }
    this.bytes = 0;
  }

  async carry(): Promise<ResultsCarry> {
    if (this.stored || this.bytes > this.inlineLimit) await this.store();
    return {
      inline: this.stored ? [] : [...this.buffer],
      segments: [...this.segments],
      storedCount: this.storedCount,
      failures: [...this.failures],
    };
  }

  /**
   * Every item's result in item order when they fit inline (an item never started reads as `NotStarted`), else a
   * reference to the stored segments.
   */
  async final(
    total: number,
  ): Promise<{ results: FanOutItemResult[]; resultsComplete: boolean; stored?: FanOutResultsRef }> {
    if (this.stored || this.bytes > this.inlineLimit) {
      await this.store();
      return { results: [], resultsComplete: false, stored: { segments: [...this.segments], count: this.storedCount } };
    }
    const results: FanOutItemResult[] = Array.from({ length: total }, () => ({
      ok: false,
      error: { message: 'not started: the fan-out stopped first', type: GeminiflowFailure.notStarted },
    }));
    for (const { i, r } of this.buffer) results[i] = r;
    return { results, resultsComplete: true };
  }
}
