import { patched, setHandler, sleep, upsertMemo, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import {
  describeFanOutCounts,
  type FanOutCounts,
  type FanOutFailure,
  type FanOutProgress,
  type FanOutProgressMemo,
  type FanOutState,
  fanOutProgressMemoKey,
  fanOutProgressQuery,
  GeminiFanOutProgress,
  type GeminiUsage,
  geminiUsageMemoKey,
} from '../../contract';
import { usageMemoPatch } from '../usage';
import { roomForEvents } from './history-budget';
import type { AdaptiveWindow } from './window';

/** What progress one run hands to the next. */
export interface ProgressCarry {
  done: number;
  failed: number;
  run: number;
  startedAt: string;
  reports: number;
  requeued: number;
  recentFailures: FanOutFailure[];
}

/** People look at a fan-out every few seconds at most; each update costs two history events. */
const publishEveryMs = 5_000;
const recentFailuresKept = 10;
/**
 * Runs publish counts the 5 s limit held back once the 5 s are up (a timer), instead of at the next item that
 * finishes: without it, items that finish quickly before a slow one left the list showing counts from minutes ago.
 * Runs already in flight when it shipped take it up from their next new workflow task.
 */
export const progressCatchUpPatch = 'fan-out-progress-catch-up';
/**
 * What one catch-up adds to the history: the timer started and fired, a workflow task and the two upserts; once a
 * run, the patch's marker and its search attribute too.
 */
const catchUpEvents = 9;

/**
 * The fan-out's counts: answered live by the `fanOutProgress` query, and published (at most every 5 s, and at each
 * run's start and end) to the GeminiFanOutProgress search attribute and the `fanOutProgress` memo, so lists of runs
 * show them without a query. Counts held back by the 5 s limit are published when it is up.
 */
export class ProgressTracker {
  state: FanOutState = 'running';
  running = 0;
  private c: ProgressCarry;
  private published = '';
  private publishedAt = 0;
  private catchUpPending = false;

  constructor(
    private readonly name: string,
    private readonly total: number,
    private readonly window: AdaptiveWindow,
    carried?: ProgressCarry,
    /** The fan-out's usage, published in the same memo upsert as the counts (runs with the usage memo patch). */
    private readonly usage?: () => GeminiUsage,
  ) {
    this.c = carried
      ? { ...carried, run: carried.run + 1, recentFailures: [...carried.recentFailures] }
      : {
          done: 0,
          failed: 0,
          run: 1,
          startedAt: new Date().toISOString(),
          reports: 0,
          requeued: 0,
          recentFailures: [],
        };
    setHandler(fanOutProgressQuery, () => this.view());
  }

  get failed(): number {
    return this.c.failed;
  }

  succeeded(): void {
    this.c.done++;
  }

  failure(failure: FanOutFailure): void {
    this.c.failed++;
    this.c.recentFailures.push(failure);
    if (this.c.recentFailures.length > recentFailuresKept) this.c.recentFailures.shift();
  }

  rateLimitReport(): void {
    this.c.reports++;
  }

  requeued(): void {
    this.c.requeued++;
  }

  counts(): FanOutCounts {
    const { done, failed } = this.c;
    return { total: this.total, done, failed, running: this.running, left: this.total - done - failed - this.running };
  }

  view(): FanOutProgress {
    return {
      name: this.name,
      workflowId: workflowInfo().workflowId,
      state: this.state,
      ...this.counts(),
      window: this.window.view(),
      rateLimited: { reports: this.c.reports, requeued: this.c.requeued },
      run: this.c.run,
      startedAt: this.c.startedAt,
      updatedAt: new Date().toISOString(),
      recentFailures: [...this.c.recentFailures],
    };
  }

  /** Updates the search attribute and memo when the counts changed and the last update is old enough (or `force`). */
  publish(force = false): void {
    const counts = this.counts();
    const line = describeFanOutCounts(counts);
    const now = Date.now();
    if (`${line} ${this.state}` === this.published) return;
    if (!force && now - this.publishedAt < publishEveryMs) {
      this.publishLater(this.publishedAt + publishEveryMs - now);
      return;
    }
    this.published = `${line} ${this.state}`;
    this.publishedAt = now;
    upsertSearchAttributes([{ key: GeminiFanOutProgress, value: line }]);
    const memo: FanOutProgressMemo = { ...counts, state: this.state, window: this.window.allowed };
    const usage = this.usage && patched(usageMemoPatch) ? { [geminiUsageMemoKey]: this.usage() } : {};
    upsertMemo({ [fanOutProgressMemoKey]: memo, ...usage });
  }

  /**
   * One timer at a time, only while counts wait to be published (quiet fan-outs add no events), and only while the
   * run's history has room for it beside its children in flight: near the end of a run the next item publishes.
   */
  private publishLater(delayMs: number): void {
    if (this.catchUpPending || !roomForEvents(this.running, catchUpEvents) || !patched(progressCatchUpPatch)) return;
    this.catchUpPending = true;
    void sleep(delayMs).then(
      () => {
        this.catchUpPending = false;
        this.publish();
      },
      // Cancelled with the fan-out, whose end publishes the final counts itself.
      () => (this.catchUpPending = false),
    );
  }

  /**
   * Children were started. Runs with the catch-up publish the running count too (like any update: at once, or when
   * the 5 s are up), so a list does not show `running 0` while the first items take minutes.
   */
  childrenStarted(): void {
    if (patched(progressCatchUpPatch)) this.publish();
  }

  carry(): ProgressCarry {
    return { ...this.c, recentFailures: [...this.c.recentFailures] };
  }
}
