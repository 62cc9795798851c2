import path from 'node:path';
import type { GoogleGenAI } from '@google/genai';
import { ApplicationFailure } from '@temporalio/common';
import {
  addTokens,
  type BatchItemError,
  type BatchItemResult,
  type CollectedBatchResults,
  GeminiflowFailure,
  noTokens,
  type PromptSource,
  type TokenUsage,
  tokensOfMetadata,
  type UsageMetadata,
} from '../contract';
import { batchKeys } from './batch-input';
import { downloadGeminiFile, readJsonLines, scratchDir } from './files';

export const defaultInlineResultLimitBytes = 512 * 1024;
const maxFailuresListed = 1000;

/**
 * Parses a downloaded output JSONL line by line into results by key; a prompt with no output line is a failure too.
 * Memory grows with the number of keys, not with the size of the answers.
 */
export async function parseBatchOutput(
  outPath: string,
  source: PromptSource,
  limit: number,
): Promise<Omit<CollectedBatchResults, 'outputFile'>> {
  const results = new Map<string, BatchItemResult>();
  const failures = new Map<string, BatchItemError>();
  const seen = new Set<string>();
  let bytes = 0;
  let complete = true;
  let succeeded = 0;
  let failed = 0;
  const usage = noTokens();
  const record = (key: string, result: BatchItemResult) => {
    seen.add(key);
    if (result.ok) succeeded++;
    else {
      failed++;
      if (failures.size < maxFailuresListed) failures.set(key, result.error);
    }
    if (!complete) return;
    bytes += key.length + JSON.stringify(result).length + 4;
    if (bytes > limit) {
      complete = false;
      results.clear();
    } else results.set(key, result);
  };

  for await (const { line, text } of readJsonLines(outPath)) {
    const parsed = parseOutputLine(text);
    if (!parsed)
      throw ApplicationFailure.nonRetryable(`output line ${line} has no key`, GeminiflowFailure.badBatchOutput);
    if (seen.has(parsed.key)) continue;
    record(parsed.key, parsed.result);
    if (parsed.usage) addTokens(usage, parsed.usage);
  }
  for await (const key of batchKeys(source)) {
    if (!seen.has(key)) record(key, { ok: false, error: { message: 'no output line for this key' } });
  }
  return {
    counts: { total: succeeded + failed, succeeded, failed },
    results: Object.fromEntries(results),
    resultsComplete: complete,
    failures: Object.fromEntries(failures),
    failuresListed: failures.size,
    usage,
  };
}

interface GenerateContentResponseLike {
  candidates?: { content?: { parts?: { text?: string; thought?: boolean }[] }; finishReason?: string }[];
  promptFeedback?: { blockReason?: string };
  usageMetadata?: UsageMetadata;
}

/**
 * One output line: `{"key","response"}` or `{"key","error"}`; the key may also sit in `metadata.key`, and a line that
 * is a bare status object (`code`/`message`) is an error.
 */
export function parseOutputLine(
  text: string,
): { key: string; result: BatchItemResult; usage?: TokenUsage } | undefined {
  let line: {
    key?: unknown;
    metadata?: { key?: unknown };
    response?: GenerateContentResponseLike;
    error?: BatchItemError;
    status?: unknown;
    code?: unknown;
    message?: unknown;
  };
  try {
    line = JSON.parse(text);
  } catch {
    return undefined;
  }
  const key = typeof line.key === 'string' ? line.key : line.metadata?.key;
  if (typeof key !== 'string') return undefined;
  if (line.error) return { key, result: { ok: false, error: itemError(line.error) } };
  if (line.response) {
    // A response is billed even when it carries no candidate (a blocked prompt).
    const usage = tokensOfMetadata(line.response.usageMetadata);
    const billed = usage ? { usage } : {};
    const candidate = line.response.candidates?.[0];
    const text = (candidate?.content?.parts ?? [])
      .filter((p) => typeof p.text === 'string' && !p.thought)
      .map((p) => p.text)
      .join('');
    if (!candidate) {
      const reason = line.response.promptFeedback?.blockReason ?? 'no candidates';
      return { key, result: { ok: false, error: { message: `blocked: ${reason}` } }, ...billed };
    }
    return {
      key,
      result: { ok: true, text, ...(candidate.finishReason ? { finishReason: candidate.finishReason } : {}) },
      ...billed,
    };
  }
  return { key, result: { ok: false, error: itemError(line as BatchItemError) } };
}

function itemError(e: { code?: unknown; status?: unknown; message?: unknown }): BatchItemError {
  return {
    ...(typeof e.code === 'number' || typeof e.code === 'string' ? { code: e.code } : {}),
    ...(typeof e.status === 'string' ? { status: e.status } : {}),
    message: typeof e.message === 'string' ? e.message : 'the request failed',
  };
}

/** Reads a finished batch's results one by one, for callers whose results were too large to return inline. */
export async function* readBatchOutput(
  ai: GoogleGenAI,
  outputFile: string,
): AsyncGenerator<{ key: string; result: BatchItemResult }> {
  const scratch = scratchDir('batch-read');
  try {
    const outPath = path.join(scratch.dir, 'output.jsonl');
    await downloadGeminiFile(ai, outputFile, outPath);
    for await (const { text } of readJsonLines(outPath)) {
      const parsed = parseOutputLine(text);
      if (parsed) yield parsed;
    }
  } finally {
    scratch.cleanup();
  }
}
