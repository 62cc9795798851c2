import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import type { WebhookConfig } from '@google/genai';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { callGemini, currentWorkflowId, geminiClient, geminiFailure, webhookConfigFor } from './gemini-client';
import { downloadGeminiFile, readJsonLines, scratchDir, uploadGeminiFile } from './files';

/** One prompt of a batch: its key (unique in the batch) and its text. */
export interface BatchPrompt {
  key: string;
  text: string;
}

/**
 * Where a batch's prompts come from. Only `inline` puts the prompts themselves into workflow history (twice: the
 * workflow input and the upload activity's input), so it is for small batches; the other kinds stay a few bytes however
 * many prompts they stand for.
 */
export type PromptSource =
  | { kind: 'inline'; prompts: BatchPrompt[] }
  /** A JSONL file on the worker's disk: `{"key","text"}` lines, or `{"key","request":{GenerateContentRequest}}`. */
  | { kind: 'file'; path: string }
  /** `count` prompts `template` with `{i}` replaced by 0…count-1, keyed `${keyPrefix ?? 'item-'}${i}`. */
  | { kind: 'template'; template: string; count: number; keyPrefix?: string };

export interface BatchRequestOptions {
  systemInstruction?: string;
  generationConfig?: Record<string, unknown>;
}

interface InputLine {
  key: string;
  request: Record<string, unknown>;
}

const badInput = (message: string) => ApplicationFailure.nonRetryable(message, 'BadBatchInput');

/** The batch's input lines, produced one at a time so no step holds the whole batch in memory. */
export async function* batchInputLines(source: PromptSource, options: BatchRequestOptions = {}): AsyncGenerator<InputLine> {
  const request = (text: string) => ({
    contents: [{ role: 'user', parts: [{ text }] }],
    ...(options.systemInstruction ? { systemInstruction: { parts: [{ text: options.systemInstruction }] } } : {}),
    ...(options.generationConfig ? { generationConfig: options.generationConfig } : {}),
  });
  const seen = new Set<string>();
  const checked = (key: unknown, where: string): string => {
    if (typeof key !== 'string' || !key.trim()) throw badInput(`${where}: every prompt needs a non-empty string key`);
    if (seen.has(key)) throw badInput(`${where}: the key "${key}" is used twice`);
    seen.add(key);
    return key;
  };
  switch (source.kind) {
    case 'inline':
      for (const [i, p] of source.prompts.entries()) {
        if (typeof p?.text !== 'string') throw badInput(`prompt ${i}: text must be a string`);
        yield { key: checked(p.key, `prompt ${i}`), request: request(p.text) };
      }
      return;
    case 'template':
      if (!Number.isSafeInteger(source.count) || source.count < 1) throw badInput('count must be a positive integer');
      for (let i = 0; i < source.count; i++) {
        yield {
          key: checked(`${source.keyPrefix ?? 'item-'}${i}`, `item ${i}`),
          request: request(source.template.replaceAll('{i}', String(i))),
        };
      }
      return;
    case 'file': {
      if (!fs.existsSync(source.path)) throw badInput(`prompt file not found: ${path.basename(source.path)}`);
      for await (const { line, text } of readJsonLines(source.path)) {
        let parsed: { key?: unknown; text?: unknown; request?: unknown };
        try {
          parsed = JSON.parse(text);
        } catch {
          throw badInput(`line ${line} of the prompt file is not JSON`);
        }
        const key = checked(parsed.key, `line ${line}`);
        if (parsed.request && typeof parsed.request === 'object') {
          yield { key, request: parsed.request as Record<string, unknown> };
        } else if (typeof parsed.text === 'string') {
          yield { key, request: request(parsed.text) };
        } else {
          throw badInput(`line ${line}: needs "text" (a string) or "request" (an object)`);
        }
      }
      return;
    }
    default:
      throw badInput(`unknown prompt source kind: ${(source as { kind?: unknown }).kind}`);
  }
}

/** Just the keys, in input order (for finding prompts that have no output line). */
async function* batchKeys(source: PromptSource): AsyncGenerator<string> {
  for await (const line of batchInputLines(source)) yield line.key;
}

export interface UploadedBatchInput {
  file: string;
  count: number;
  sizeBytes: number;
}

/**
 * Writes the input JSONL to a temporary file line by line (awaiting the disk when it falls behind), then uploads it
 * through the Files API, which streams it in chunks. The uploaded file's name is heartbeated, so a retry after a crash
 * reuses it instead of uploading again.
 */
export async function uploadBatchInput(input: {
  source: PromptSource;
  options?: BatchRequestOptions;
  displayName: string;
}): Promise<UploadedBatchInput> {
  const ctx = Context.current();
  const prior = ctx.info.heartbeatDetails as { uploaded?: UploadedBatchInput } | undefined;
  if (prior?.uploaded) return prior.uploaded;

  const scratch = scratchDir('batch-input');
  try {
    const jsonlPath = path.join(scratch.dir, 'input.jsonl');
    const out = fs.createWriteStream(jsonlPath, 'utf8');
    let count = 0;
    try {
      for await (const line of batchInputLines(input.source, input.options)) {
        if (!out.write(`${JSON.stringify(line)}\n`)) await once(out, 'drain');
        if (++count % 1000 === 0) ctx.heartbeat({ written: count });
      }
    } finally {
      out.end();
      await once(out, 'close');
    }
    if (count === 0) throw badInput('the batch has no prompts');
    const { name, sizeBytes } = await uploadGeminiFile(jsonlPath, {
      mimeType: 'jsonl',
      displayName: `${input.displayName} input`,
    });
    const uploaded = { file: name, count, sizeBytes };
    ctx.heartbeat({ uploaded });
    return uploaded;
  } finally {
    scratch.cleanup();
  }
}

export interface CreatedBatch {
  batchName: string;
  state: string;
}

/** Creates the batch from the uploaded file, routed back to this workflow; the name is heartbeated (see above). */
export async function createBatchJob(input: { model: string; file: string; displayName: string }): Promise<CreatedBatch> {
  const ctx = Context.current();
  const prior = ctx.info.heartbeatDetails as CreatedBatch | undefined;
  if (prior?.batchName) return prior;
  const batch = await callGemini(() =>
    geminiClient().batches.create({
      model: input.model,
      src: input.file,
      config: {
        displayName: input.displayName,
        // Copied as-is by the SDK; snake_case as in Gemini's own samples (the API accepts both spellings).
        webhookConfig: webhookConfigFor(currentWorkflowId()) as WebhookConfig,
      },
    }),
  );
  const created = { batchName: batch.name!, state: String(batch.state ?? '') };
  ctx.heartbeat(created);
  return created;
}

const finishedStates = /(SUCCEEDED|FAILED|CANCELLED|EXPIRED)$/;

/** Cancels a running batch. One that already ended counts as done, so retries are harmless. */
export async function cancelBatchJob(batchName: string): Promise<{ state: string }> {
  const ai = geminiClient();
  try {
    await ai.batches.cancel({ name: batchName });
  } catch (err) {
    const current = await callGemini(() => ai.batches.get({ name: batchName }));
    if (!finishedStates.test(String(current.state))) throw geminiFailure(err);
    return { state: String(current.state) };
  }
  const after = await callGemini(() => ai.batches.get({ name: batchName }));
  return { state: String(after.state ?? '') };
}

export interface BatchItemError {
  code?: number | string;
  status?: string;
  message: string;
}

export type BatchItemResult = { ok: true; text: string; finishReason?: string } | { ok: false; error: BatchItemError };

export interface CollectedBatchResults {
  outputFile: string;
  counts: { total: number; succeeded: number; failed: number };
  /** Every key's result (failures included) when they fit in `inlineResultLimitBytes`; otherwise empty. */
  results: Record<string, BatchItemResult>;
  resultsComplete: boolean;
  /** Failed keys with their errors (at most `maxFailuresListed`), also when `results` was left out. */
  failures: Record<string, BatchItemError>;
  failuresListed: number;
}

export const defaultInlineResultLimitBytes = 512 * 1024;
const maxFailuresListed = 1000;

/**
 * Downloads the output JSONL to a temporary file and parses it line by line into results by key. A prompt with no
 * output line is a failure too.
 */
export async function collectBatchResults(input: {
  batchName: string;
  outputFile?: string;
  source: PromptSource;
  inlineResultLimitBytes?: number;
}): Promise<CollectedBatchResults> {
  const outputFile = input.outputFile ?? (await outputFileOf(input.batchName));
  const limit = input.inlineResultLimitBytes ?? defaultInlineResultLimitBytes;
  const scratch = scratchDir('batch-output');
  try {
    const outPath = path.join(scratch.dir, 'output.jsonl');
    await downloadGeminiFile(outputFile, outPath);

    const results = new Map<string, BatchItemResult>();
    const failures = new Map<string, BatchItemError>();
    const seen = new Set<string>();
    let bytes = 0;
    let complete = true;
    let succeeded = 0;
    let failed = 0;
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
      if (!parsed) throw ApplicationFailure.nonRetryable(`output line ${line} has no key`, 'BadBatchOutput');
      if (!seen.has(parsed.key)) record(parsed.key, parsed.result);
    }
    for await (const key of batchKeys(input.source)) {
      if (!seen.has(key)) record(key, { ok: false, error: { message: 'no output line for this key' } });
    }
    return {
      outputFile,
      counts: { total: succeeded + failed, succeeded, failed },
      results: Object.fromEntries(results),
      resultsComplete: complete,
      failures: Object.fromEntries(failures),
      failuresListed: failures.size,
    };
  } finally {
    scratch.cleanup();
  }
}

async function outputFileOf(batchName: string): Promise<string> {
  const batch = await callGemini(() => geminiClient().batches.get({ name: batchName }));
  const file = batch.dest?.fileName;
  if (!file) throw ApplicationFailure.nonRetryable(`batch ${batchName} has no output file`, 'BadBatchOutput');
  return file;
}

interface GenerateContentResponseLike {
  candidates?: { content?: { parts?: { text?: string; thought?: boolean }[] }; finishReason?: string }[];
  promptFeedback?: { blockReason?: string };
}

/**
 * One output line: `{"key","response"}` or `{"key","error"}`; the key may also sit in `metadata.key`, and a line that
 * is a bare status object (`code`/`message`) is an error.
 */
export function parseOutputLine(text: string): { key: string; result: BatchItemResult } | undefined {
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
    const candidate = line.response.candidates?.[0];
    const text = (candidate?.content?.parts ?? [])
      .filter((p) => typeof p.text === 'string' && !p.thought)
      .map((p) => p.text)
      .join('');
    if (!candidate) {
      const reason = line.response.promptFeedback?.blockReason ?? 'no candidates';
      return { key, result: { ok: false, error: { message: `blocked: ${reason}` } } };
    }
    return { key, result: { ok: true, text, ...(candidate.finishReason ? { finishReason: candidate.finishReason } : {}) } };
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
export async function* readBatchOutput(outputFile: string): AsyncGenerator<{ key: string; result: BatchItemResult }> {
  const scratch = scratchDir('batch-read');
  try {
    const outPath = path.join(scratch.dir, 'output.jsonl');
    await downloadGeminiFile(outputFile, outPath);
    for await (const { text } of readJsonLines(outPath)) {
      const parsed = parseOutputLine(text);
      if (parsed) yield parsed;
    }
  } finally {
    scratch.cleanup();
  }
}
