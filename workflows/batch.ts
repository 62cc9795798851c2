import { ApplicationFailure, CancellationScope, log, workflowInfo } from '@temporalio/workflow';
import {
  type BatchItemError,
  type BatchItemResult,
  type BatchRequestOptions,
  type Budget,
  batchModelKey,
  defaultTextModel,
  GeminiflowFailure,
  type GeminiUsage,
  type PromptSource,
} from '../contract';
import { cancelBatchJob, collectBatchResults, createBatchJob, deleteGeminiFile, uploadBatchInput } from './activities';
import { cancelJobOnCancellation } from './cancel-job-on-cancellation';
import { trackGeminiUsage } from './usage';
import { listenForGeminiEvents, type ResolvedWait, type WaitSettings, waitSettingsOf } from './wait-for-gemini-event';

/**
 * Inline prompts travel in workflow history (the input, and again as the upload activity's input). Past this size,
 * give a `file` or `template` source instead: Temporal refuses payloads over 2 MB and warns from 512 KB.
 */
export const maxInlinePromptBytes = 256 * 1024;

export interface BatchInput extends WaitSettings {
  /** Default: defaultTextModel (gemini-flash-latest). */
  model?: string;
  prompts: PromptSource;
  options?: BatchRequestOptions;
  /** Shown in the Gemini console; default `geminiflow <workflow id>`. */
  displayName?: string;
  /** Results larger than this (JSON bytes) are not returned inline; default 512 KiB. Read them with readBatchOutput. */
  inlineResultLimitBytes?: number;
  /** The reconciliation backstop (defaults: 2 minutes growing to 30). The flat fields are the older spelling. */
  wait?: WaitSettings;
  /** The pipeline's budget, checked before the batch starts (a parent or fan-out passes it down). */
  budget?: Budget;
}

/** What every outcome of a batch carries. */
export interface BatchOutcomeBase {
  batchName: string;
  /** How the workflow learned that the batch had ended. */
  resolvedBy: ResolvedWait['resolvedBy'];
  /**
   * The run's usage: every response's usageMetadata, under `batch:<model>` (billed at the batch price). Absent in runs
   * of older versions.
   */
  geminiUsage?: GeminiUsage;
}

export interface BatchSucceeded extends BatchOutcomeBase {
  state: 'succeeded';
  outputFile: string;
  counts: { total: number; succeeded: number; failed: number };
  /** Every key's result, failures included, when `resultsComplete`; empty when they were too large to return. */
  results: Record<string, BatchItemResult>;
  resultsComplete: boolean;
  /** Failed keys and why (at most 1000 listed). */
  failures: Record<string, BatchItemError>;
}

export interface BatchEnded extends BatchOutcomeBase {
  /** The batch produced no results. `cancelled` here means cancelled outside this workflow. */
  state: 'failed' | 'expired' | 'cancelled';
  error?: { code?: unknown; message: string };
}

export type BatchResult = BatchSucceeded | BatchEnded;

/** Runs many prompts as one Gemini batch and returns the results by key, with per-key failures. */
export async function batchPrompts(input: BatchInput): Promise<BatchResult> {
  const events = listenForGeminiEvents();
  checkInput(input);
  const usage = trackGeminiUsage(input.budget);
  const displayName = input.displayName ?? `geminiflow ${workflowInfo().workflowId}`;
  const model = input.model ?? defaultTextModel;

  await usage.beforeJob('the batch');
  const uploaded = await uploadBatchInput({ source: input.prompts, options: input.options, displayName });
  const { batchName } = await CancellationScope.nonCancellable(() =>
    createBatchJob({ model, file: uploaded.file, displayName }),
  );
  const { event, resolvedBy } = await cancelJobOnCancellation(
    () => events.waitFor({ kind: 'batch', id: batchName }, waitSettingsOf(input)),
    () => cancelBatchJob(batchName),
  );
  await deleteInputFile(uploaded.file);

  if (event.type !== 'batch.succeeded') {
    const message = typeof event.data.error_message === 'string' ? event.data.error_message : undefined;
    return {
      state: event.type === 'batch.failed' ? 'failed' : event.type === 'batch.expired' ? 'expired' : 'cancelled',
      batchName,
      resolvedBy,
      geminiUsage: usage.report(),
      ...(message ? { error: { code: event.data.error_code, message } } : {}),
    };
  }

  const outputFile = typeof event.data.output_file_uri === 'string' ? event.data.output_file_uri : undefined;
  const collected = await collectBatchResults({
    batchName,
    outputFile,
    source: keysOnly(input.prompts),
    inlineResultLimitBytes: input.inlineResultLimitBytes,
  });
  usage.recordJob(batchModelKey(model), collected.usage);
  return {
    state: 'succeeded',
    batchName,
    resolvedBy,
    geminiUsage: usage.report(),
    outputFile: collected.outputFile,
    counts: collected.counts,
    results: collected.results,
    resultsComplete: collected.resultsComplete,
    failures: collected.failures,
  };
}

/** Collecting needs only the keys (to find prompts without an output line): inline texts stay out of that input. */
function keysOnly(source: PromptSource): PromptSource {
  if (source.kind === 'slice') return { ...source, of: keysOnly(source.of) };
  return source.kind === 'inline'
    ? { kind: 'inline', prompts: source.prompts.map(({ key }) => ({ key, text: '' })) }
    : source;
}

/** The input file has served its purpose whatever the outcome; Gemini drops it after 48 h anyway, so failing is fine. */
async function deleteInputFile(file: string): Promise<void> {
  try {
    await deleteGeminiFile(file);
  } catch (err) {
    log.warn('could not delete the batch input file', { file, error: String(err) });
  }
}

function checkInput(input: BatchInput): void {
  const bad = (message: string) => ApplicationFailure.nonRetryable(message, GeminiflowFailure.badBatchInput);
  if (input.model !== undefined && !input.model.trim()) throw bad('the model name is empty');
  if (!input.prompts || typeof input.prompts !== 'object') throw bad('prompts are required');
  if (input.prompts.kind === 'inline') {
    if (!Array.isArray(input.prompts.prompts) || input.prompts.prompts.length === 0) throw bad('no prompts given');
    const size = JSON.stringify(input.prompts).length;
    if (size > maxInlinePromptBytes) {
      throw bad(
        `${input.prompts.prompts.length} inline prompts take ${size} bytes of workflow history; the limit is ` +
          `${maxInlinePromptBytes}. Pass them as a file ({kind: 'file', path}) instead.`,
      );
    }
  }
}
