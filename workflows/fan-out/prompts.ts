import { workflowInfo } from '@temporalio/workflow';
import {
  type BatchRequestOptions,
  type Budget,
  type CollectedPromptResults,
  chunkOutcome,
  defaultTextModel,
  type FanOutFailurePolicy,
  type FanOutResult,
  type GeminiUsage,
  type PromptBatchChunk,
  type PromptSource,
} from '../../contract';
import { collectPromptResults, planPromptBatches, planPromptRequests } from '../activities';
import { batchPrompts, maxInlinePromptBytes } from '../batch';
import { badInput } from '../job-failures';
import { trackGeminiUsage } from '../usage';
import type { WaitSettings } from '../wait-for-gemini-event';
import { fanOut, job } from './fan-out';
import { fanOutJobs } from './fan-out-jobs';

/** The Batch API takes input files of up to 2 GB. */
export const maxBatchBytes = 2_000_000_000;

export interface PromptFanOutInput {
  prompts: PromptSource;
  /** `batch` (default): packed into Gemini Batch jobs, half the price per prompt; `per-request`: one background interaction each. */
  mode?: 'batch' | 'per-request';
  /** Default: defaultTextModel. */
  model?: string;
  options?: BatchRequestOptions;
  /** How prompts are packed into Batch jobs: at most this many prompts (default 10,000) and bytes of JSONL (default 100 MB, at most 2 GB). */
  batchSize?: { prompts?: number; bytes?: number };
  /** Batch jobs (default 10) or requests (default 50) in flight at once. */
  concurrency?: number;
  /** For whole Batch jobs or requests that fail to run (a prompt the model refuses is a per-prompt failure). */
  onFailure?: FanOutFailurePolicy;
  /** Results up to this many bytes of JSON come back inline (default 512 KiB, as batchPrompts); all are in `resultsFile`. */
  inlineResultLimitBytes?: number;
  wait?: WaitSettings;
  /** The pipeline's budget, checked before each Batch job or request starts. */
  budget?: Budget;
}

export interface PromptFanOutResult extends CollectedPromptResults {
  mode: 'batch' | 'per-request';
  /** Batch jobs (batch mode) or requests (per-request) the fan-out ran, and how its window fared. */
  jobs: Pick<FanOutResult, 'counts' | 'runs' | 'window' | 'rateLimited'>;
  /** Every batch's or request's usage (absent in runs of older versions). */
  geminiUsage?: GeminiUsage;
}

/**
 * "One prompt per item" work at any size: packs the prompts into Gemini Batch jobs of a chosen size (by count and
 * bytes), runs them as a fan-out of `batchPrompts` children (waited for by webhook), and maps every result back to its
 * prompt's key, with per-prompt failures; `mode: 'per-request'` runs one `generateText` child per prompt instead.
 */
export async function fanOutPrompts(input: PromptFanOutInput): Promise<PromptFanOutResult> {
  const mode = input.mode ?? 'batch';
  const { prompts: source, wait } = input;
  if (mode !== 'batch' && mode !== 'per-request') throw badInput("mode must be 'batch' or 'per-request'");
  if (!source || typeof source !== 'object') throw badInput('prompts are required');
  if (source.kind === 'inline' && JSON.stringify(source).length > maxInlinePromptBytes) {
    throw badInput(`inline prompts are limited to ${maxInlinePromptBytes} bytes of history; pass a file or a template`);
  }
  const usage = trackGeminiUsage(input.budget);
  const info = workflowInfo();
  const key = `${info.workflowId}/${info.runId}`;
  const model = input.model ?? defaultTextModel;
  const inlineResultLimitBytes = input.inlineResultLimitBytes ?? 512 * 1024;

  if (mode === 'per-request') {
    const plan = await planPromptRequests({
      key,
      source,
      request: { model, ...input.options, ...(wait ? { wait } : {}) },
    });
    const fanned = await usage.executeChild(fanOutJobs, {
      workflowId: `${info.workflowId}/requests`,
      args: [
        {
          name: 'requests',
          plan,
          concurrency: input.concurrency ?? 50,
          onFailure: input.onFailure,
          inlineResultLimitBytes: 0,
          storeKey: key,
        },
      ],
    });
    const collected = await collectPromptResults({ key, source, requests: fanned.stored, inlineResultLimitBytes });
    return { mode, ...collected, jobs: summary(fanned), geminiUsage: usage.report() };
  }

  const maxPrompts = input.batchSize?.prompts ?? 10_000;
  const maxBytes = input.batchSize?.bytes ?? 100_000_000;
  if (!Number.isInteger(maxPrompts) || maxPrompts < 1)
    throw badInput('batchSize.prompts must be a positive whole number');
  if (!(maxBytes >= 1024 && maxBytes <= maxBatchBytes))
    throw badInput(`batchSize.bytes must be from 1 KiB to ${maxBatchBytes}`);
  const { chunks } = await planPromptBatches({ source, options: input.options, maxPrompts, maxBytes });
  const fanned = await fanOut(
    chunks,
    (chunk, i) => ({
      ...job(batchPrompts, {
        model,
        prompts: chunkSource(source, chunk),
        ...(input.options ? { options: input.options } : {}),
        displayName: `geminiflow ${info.workflowId} ${i + 1}/${chunks.length}`,
        // Per-prompt results stay out of history: they are read back from the batch's output file below.
        inlineResultLimitBytes: 0,
        ...(wait ? { wait } : {}),
      }),
      label: `prompts ${chunk.start}-${chunk.start + chunk.count - 1}`,
    }),
    { name: 'batches', concurrency: input.concurrency ?? 10, onFailure: input.onFailure, usage },
  );
  // Each batch's result names its output file; when they were too many to return, the activity reads them stored.
  const batches = fanned.resultsComplete
    ? { chunks, outcomes: chunks.map((_, i) => chunkOutcome(fanned.results[i])) }
    : { chunks, stored: fanned.stored };
  const collected = await collectPromptResults({ key, source, batches, inlineResultLimitBytes });
  return { mode, ...collected, jobs: summary(fanned), geminiUsage: usage.report() };
}

/** A batch's share of the prompts: a sub-list of inline prompts, or a reference to a range of a file or template. */
function chunkSource(source: PromptSource, chunk: PromptBatchChunk): PromptSource {
  if (source.kind === 'inline')
    return { kind: 'inline', prompts: source.prompts.slice(chunk.start, chunk.start + chunk.count) };
  return { kind: 'slice', of: source, start: chunk.start, count: chunk.count };
}

function summary(fanned: FanOutResult): PromptFanOutResult['jobs'] {
  return { counts: fanned.counts, runs: fanned.runs, window: fanned.window, rateLimited: fanned.rateLimited };
}
