import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { BatchItemError, BatchItemResult } from './jobs';
import type { GeminiUsage } from './usage';

/*
 * What a fan-out shares with the activities that store its plan and results, the worker that reports rate limits to
 * it, and the client that shows its progress. Plain data: it travels through workflow history and the fan-out store.
 */

declare const resultType: unique symbol;

/** One item's job: the child workflow to run for it and its arguments. Build it with `job(workflow, ...args)`. */
export interface FanOutJob<Result = unknown> {
  workflowType: string;
  args: unknown[];
  /** Names the item in progress and failure lists (a prompt's key, a company name); default its index. */
  label?: string;
  /** Type-level only: what the child returns. */
  readonly [resultType]?: Result;
}

/** `continue`: record the failure and go on; `fail-fast`: stop at the first; `{stopAfter: n}`: stop at the n-th. */
export type FanOutFailurePolicy = 'continue' | 'fail-fast' | { stopAfter: number };

export interface FanOutItemError {
  message: string;
  /** The failure type of the root cause, e.g. `GeminiFailed`, `GeminiHttp429`, `NotStarted`. */
  type?: string;
}

export type FanOutItemResult<Result = unknown> = { ok: true; value: Result } | { ok: false; error: FanOutItemError };

/** One item's result as a fan-out stores it: its index and result. */
export interface FanOutResultEntry {
  i: number;
  r: FanOutItemResult;
}

/** A failed item, as listed in progress and results (the first ones only; every result is in the results). */
export interface FanOutFailure {
  index: number;
  label?: string;
  error: FanOutItemError;
}

/** How many items are done, failed, running and left (not started yet); the four add up to `total`. */
export interface FanOutCounts {
  total: number;
  done: number;
  failed: number;
  running: number;
  left: number;
}

export type FanOutState = 'running' | 'stopping' | 'completed' | 'stopped' | 'cancelled';

export interface FanOutProgress extends FanOutCounts {
  name: string;
  workflowId: string;
  state: FanOutState;
  /** Children allowed in flight now, at most, and the lowest it went (rate limits shrink it). */
  window: { current: number; max: number; lowest: number };
  /** Rate-limit reports (429 / RESOURCE_EXHAUSTED) received from its children, and items re-run because of one. */
  rateLimited: { reports: number; requeued: number };
  /** Which run of the fan-out this is (it continues as new every `itemsPerRun` items). */
  run: number;
  startedAt: string;
  updatedAt: string;
  recentFailures: FanOutFailure[];
}

/** Live progress of a `fanOutJobs` run. */
export const fanOutProgressQuery = defineQuery<FanOutProgress>('fanOutProgress');

/** Sent by a worker when an activity of one of the fan-out's children was refused by a Gemini rate limit. */
export interface RateLimitReport {
  /** The child whose activity was refused. */
  workflowId: string;
  activityType: string;
  at: string;
}
export const fanOutRateLimitedSignal = defineSignal<[RateLimitReport]>('geminiRateLimited');

/** The type of the workflow `fanOut` starts (`fanOutJobs`): lists and progress find fan-outs by it. */
export const fanOutWorkflowType = 'fanOutJobs';

/** The memo key a fan-out puts on its children: the fan-out's workflow id, where rate limits are reported. */
export const fanOutMemoKey = 'fanOutWorkflowId';
/** The memo key under which a fan-out keeps its counts (FanOutProgressMemo), next to the search attribute. */
export const fanOutProgressMemoKey = 'fanOutProgress';

/** What the `fanOutProgress` memo holds: lists of runs read it from visibility, without a query per run. */
export interface FanOutProgressMemo extends FanOutCounts {
  state: FanOutState;
  /** Children allowed in flight when it was published. */
  window: number;
}

/**
 * Plans up to this size travel inline (in the fan-out's input, carried to each run); larger ones go to the fan-out
 * store in parts of at most this size, each read by one activity, far below Temporal's 2 MB payload limit.
 */
export const maxPlanPartBytes = 128 * 1024;

/** One part of a plan kept in the fan-out store, one job per line. */
export interface StoredPlanPart {
  path: string;
  count: number;
}

/** The jobs of a fan-out: inline when small, else in the store (only the parts' paths travel through history). */
export type FanOutPlan =
  | { kind: 'inline'; jobs: FanOutJob[] }
  | { kind: 'stored'; parts: StoredPlanPart[]; total: number };

/**
 * Results too large for history, in the fan-out store: JSONL segments (`{"i","ok","value"|"error"}` lines, each file
 * sorted by index). `readFanOutResults` (geminiflow/worker) merges them in item order.
 */
export interface FanOutResultsRef {
  segments: string[];
  count: number;
}

/** What a fan-out returns (and, when its failure policy stopped it, what its FanOutStopped failure carries). */
export interface FanOutResult<Result = unknown> {
  name: string;
  state: 'completed' | 'stopped';
  /** Why it stopped (the failure policy, or the budget), when it did. */
  stoppedBecause?: string;
  /** `running` is 0; `left` counts items never started, or cancelled when it stopped. */
  counts: FanOutCounts;
  /** Every item's result in item order, when `resultsComplete`; empty when they were too large to return. */
  results: FanOutItemResult<Result>[];
  resultsComplete: boolean;
  /** Where the results are when they were too large to return: read them with readFanOutResults (geminiflow/worker). */
  stored?: FanOutResultsRef;
  /** The first failed items (at most 100 listed). */
  failures: FanOutFailure[];
  /** Runs it took (it continues as new every `itemsPerRun` items). */
  runs: number;
  window: { current: number; max: number; lowest: number };
  rateLimited: { reports: number; requeued: number };
  /** The usage its children reported in their results (absent in fan-outs of older versions). */
  geminiUsage?: GeminiUsage;
}

/** A 429 or RESOURCE_EXHAUSTED anywhere in a failure's cause chain: a rate limit, not a failure of the item. */
export function isRateLimited(err: unknown): boolean {
  for (
    let e = err as { type?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 10;
    depth++
  ) {
    if (e.type === 'GeminiHttp429' || (typeof e.message === 'string' && e.message.includes('RESOURCE_EXHAUSTED')))
      return true;
    e = e.cause as typeof e;
  }
  return false;
}

/** The search attribute's value: short enough to read in a list of runs. */
export function describeFanOutCounts(c: FanOutCounts): string {
  return `done ${c.done}, failed ${c.failed}, running ${c.running}, left ${c.left} of ${c.total}`;
}

/** One Gemini Batch job's share of a prompt fan-out: prompts `start` … `start + count - 1`, `bytes` of JSONL. */
export interface PromptBatchChunk {
  start: number;
  count: number;
  bytes: number;
}

/** How one batch of a prompt fan-out ended, for mapping its results back to the prompts. */
export type PromptChunkOutcome =
  | { state: 'succeeded'; outputFile: string }
  | { state: 'failed' | 'expired' | 'cancelled' | 'not-run'; error: FanOutItemError };

/** How a `batchPrompts` child's fan-out result reads for mapping its prompts back (workflow and activity alike). */
export function chunkOutcome(result: FanOutItemResult | undefined): PromptChunkOutcome {
  if (!result) return { state: 'not-run', error: { message: 'the batch was not run' } };
  if (!result.ok) return { state: result.error.type === 'NotStarted' ? 'not-run' : 'failed', error: result.error };
  const batch = result.value as { state?: string; outputFile?: string; error?: { message?: string } };
  if (batch.state === 'succeeded' && batch.outputFile) return { state: 'succeeded', outputFile: batch.outputFile };
  const state = batch.state === 'expired' || batch.state === 'cancelled' ? batch.state : 'failed';
  return { state, error: { message: batch.error?.message ?? `the batch ended ${batch.state}`, type: `Batch${state}` } };
}

/** A prompt fan-out's results by key, as batchPrompts gives them, plus the file with all of them in prompt order. */
export interface CollectedPromptResults {
  counts: { total: number; succeeded: number; failed: number };
  /** Every prompt's result when `resultsComplete`; empty when they were too large to return. */
  results: Record<string, BatchItemResult>;
  resultsComplete: boolean;
  /** Failed keys and why (at most 1000 listed). */
  failures: Record<string, BatchItemError>;
  /** JSONL `{"key","result"}` lines in prompt order, in the fan-out store: read it with readPromptResults. */
  resultsFile: string;
}
