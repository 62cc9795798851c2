import path from 'node:path';
import type { GoogleGenAI } from '@google/genai';
import {
  type BatchItemResult,
  chunkOutcome,
  type FanOutItemResult,
  type FanOutResultsRef,
  type PromptBatchChunk,
  type PromptChunkOutcome,
} from '../contract';
import { parseOutputLine } from './batch-output';
import { readFanOutResults } from './fan-out-store';
import { downloadGeminiFile, readJsonLines, scratchDir } from './files';

/** A prompt fan-out's results, asked for in prompt order. */
export interface PromptResultSource {
  resultFor(index: number, key: string): Promise<BatchItemResult>;
  close(): Promise<void>;
}

/** How each batch ended, from the batches' fan-out results in the store (when they were too many to return). */
export async function storedOutcomes(batches: {
  chunks: PromptBatchChunk[];
  stored?: FanOutResultsRef;
}): Promise<PromptChunkOutcome[]> {
  const byIndex = new Map<number, FanOutItemResult>();
  for await (const { index, result } of readFanOutResults(batches.stored ?? { segments: [], count: 0 }))
    byIndex.set(index, result);
  return batches.chunks.map((_, i) => chunkOutcome(byIndex.get(i)));
}

/**
 * Batch mode: each prompt's result from the output of the batch that held it, read alongside the prompts (Gemini
 * writes the output in input order), one batch at a time; a line out of order waits in memory until its key comes.
 */
export class BatchOutputs implements PromptResultSource {
  private open:
    | {
        chunk: number;
        lines: AsyncGenerator<{ key: string; result: BatchItemResult }>;
        early: Map<string, BatchItemResult>;
        cleanup(): void;
      }
    | undefined;

  constructor(
    private readonly ai: GoogleGenAI,
    private readonly chunks: PromptBatchChunk[],
    private readonly outcomes: PromptChunkOutcome[],
  ) {}

  async resultFor(index: number, key: string): Promise<BatchItemResult> {
    const chunk = this.chunks.findIndex((c) => index >= c.start && index < c.start + c.count);
    const outcome = this.outcomes[chunk];
    if (!outcome) return { ok: false, error: { message: 'no batch holds this prompt' } };
    if (outcome.state !== 'succeeded') {
      return {
        ok: false,
        error: { message: `its batch ${outcome.state}: ${outcome.error.message}`, status: outcome.error.type },
      };
    }
    if (this.open?.chunk !== chunk) {
      await this.close();
      this.open = { chunk, ...(await this.download(outcome.outputFile)), early: new Map() };
    }
    const { lines, early } = this.open;
    const waiting = early.get(key);
    if (waiting) {
      early.delete(key);
      return waiting;
    }
    for (let next = await lines.next(); !next.done; next = await lines.next()) {
      if (next.value.key === key) return next.value.result;
      if (!early.has(next.value.key)) early.set(next.value.key, next.value.result);
    }
    return { ok: false, error: { message: 'no output line for this key' } };
  }

  async close(): Promise<void> {
    await this.open?.lines.return(undefined);
    this.open?.cleanup();
    this.open = undefined;
  }

  private async download(outputFile: string) {
    const scratch = scratchDir('prompt-output');
    const outPath = path.join(scratch.dir, 'output.jsonl');
    try {
      await downloadGeminiFile(this.ai, outputFile, outPath);
    } catch (err) {
      scratch.cleanup();
      throw err;
    }
    return { lines: outputLines(outPath), cleanup: scratch.cleanup };
  }
}

async function* outputLines(file: string): AsyncGenerator<{ key: string; result: BatchItemResult }> {
  for await (const { text } of readJsonLines(file)) {
    const parsed = parseOutputLine(text);
    if (parsed) yield parsed;
  }
}

/** Per-request mode: each prompt's generateText answer, read from the fan-out's stored results in the same order. */
export class RequestResults implements PromptResultSource {
  private readonly lines: AsyncGenerator<{ index: number; result: FanOutItemResult }>;
  private head: { index: number; result: FanOutItemResult } | undefined;

  constructor(ref: FanOutResultsRef) {
    this.lines = readFanOutResults(ref);
  }

  async resultFor(index: number): Promise<BatchItemResult> {
    while (!this.head || this.head.index < index) {
      const next = await this.lines.next();
      if (next.done) return { ok: false, error: { message: 'the fan-out has no result for this prompt' } };
      this.head = next.value;
    }
    if (this.head.index !== index)
      return { ok: false, error: { message: 'the fan-out has no result for this prompt' } };
    const r = this.head.result;
    if (r.ok) return { ok: true, text: String((r.value as { text?: unknown })?.text ?? '') };
    return { ok: false, error: { message: r.error.message, ...(r.error.type ? { status: r.error.type } : {}) } };
  }

  async close(): Promise<void> {
    await this.lines.return(undefined);
  }
}

/** Every result of a prompt fan-out in prompt order, from its `resultsFile` (where the fan-out store is readable). */
export async function* readPromptResults(
  resultsFile: string,
): AsyncGenerator<{ key: string; result: BatchItemResult }> {
  for await (const { text } of readJsonLines(resultsFile))
    yield JSON.parse(text) as { key: string; result: BatchItemResult };
}
