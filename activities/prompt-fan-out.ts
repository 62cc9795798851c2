import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import {
  type BatchItemError,
  type BatchItemResult,
  type BatchRequestOptions,
  type CollectedPromptResults,
  type FanOutJob,
  type FanOutPlan,
  type FanOutResultsRef,
  maxPlanPartBytes,
  type PromptBatchChunk,
  type PromptChunkOutcome,
  type PromptSource,
} from '../contract';
import { badInput, batchInputLines, batchKeys } from './batch-input';
import { folderOf, writePlanPart } from './fan-out-store';
import type { GeminiContext } from './gemini-client';
import { BatchOutputs, RequestResults, storedOutcomes } from './prompt-results';

const planPartSize = 1000;
const maxFailuresListed = 1000;

/** What every per-request job of a prompt fan-out asks Gemini besides the prompt (a generateText input, less it). */
export interface PromptRequestSettings {
  model?: string;
  systemInstruction?: string;
  generationConfig?: Record<string, unknown>;
  wait?: object;
}

export function createPromptActivities({ ai }: GeminiContext, root: string) {
  return {
    /**
     * Cuts the prompts into Batch jobs of at most `maxPrompts` prompts and `maxBytes` of JSONL each, in one pass over
     * the source (which also checks every key is unique). Only the cut points travel back.
     */
    async planPromptBatches(input: {
      source: PromptSource;
      options?: BatchRequestOptions;
      maxPrompts: number;
      maxBytes: number;
    }): Promise<{ total: number; chunks: PromptBatchChunk[] }> {
      const chunks: PromptBatchChunk[] = [];
      let current: PromptBatchChunk = { start: 0, count: 0, bytes: 0 };
      let total = 0;
      for await (const line of batchInputLines(input.source, input.options)) {
        beatEvery(total);
        const bytes = Buffer.byteLength(JSON.stringify(line)) + 1;
        if (bytes > input.maxBytes)
          throw badInput(
            `prompt "${line.key}" alone takes ${bytes} bytes, over the ${input.maxBytes} a batch may hold`,
          );
        if (current.count >= input.maxPrompts || current.bytes + bytes > input.maxBytes) {
          chunks.push(current);
          current = { start: total, count: 0, bytes: 0 };
        }
        current.count++;
        current.bytes += bytes;
        total++;
      }
      if (total === 0) throw badInput('there are no prompts');
      chunks.push(current);
      return { total, chunks };
    },

    /** The per-request plan: one `generateText` job per prompt, labelled with its key, kept in the store. */
    async planPromptRequests(input: {
      key: string;
      source: PromptSource;
      request: PromptRequestSettings;
    }): Promise<FanOutPlan> {
      const { model, systemInstruction, generationConfig, wait } = input.request;
      const parts = [];
      let jobs: FanOutJob[] = [];
      let bytes = 0;
      let total = 0;
      for await (const line of batchInputLines(input.source)) {
        beatEvery(total);
        const text = promptText(line.request);
        if (text === undefined)
          throw badInput(`prompt "${line.key}" is a full request; per-request mode takes text prompts`);
        const job: FanOutJob = {
          workflowType: 'generateText',
          label: line.key,
          args: [{ prompt: text, ...defined({ model, systemInstruction, generationConfig, wait }) }],
        };
        const size = JSON.stringify(job).length;
        if (jobs.length && (jobs.length === planPartSize || bytes + size > maxPlanPartBytes)) {
          parts.push(writePlanPart(root, input.key, parts.length, jobs));
          jobs = [];
          bytes = 0;
        }
        jobs.push(job);
        bytes += size;
        total++;
      }
      if (jobs.length) parts.push(writePlanPart(root, input.key, parts.length, jobs));
      if (total === 0) throw badInput('there are no prompts');
      return { kind: 'stored', parts, total };
    },

    /**
     * Maps results back to the prompts, in prompt order, into one file: from each batch's output (read one batch at a
     * time, so memory follows the batch size, not the whole set), or from the per-request fan-out's results.
     */
    async collectPromptResults(input: {
      key: string;
      source: PromptSource;
      /** Batch mode: the chunks and how each batch ended, given or read from the fan-out's stored results. */
      batches?: { chunks: PromptBatchChunk[]; outcomes?: PromptChunkOutcome[]; stored?: FanOutResultsRef };
      requests?: FanOutResultsRef;
      inlineResultLimitBytes: number;
    }): Promise<CollectedPromptResults> {
      const results = input.batches
        ? new BatchOutputs(ai, input.batches.chunks, input.batches.outcomes ?? (await storedOutcomes(input.batches)))
        : new RequestResults(input.requests ?? { segments: [], count: 0 });
      const file = path.join(folderOf(root, input.key), 'prompt-results.jsonl');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const out = fs.createWriteStream(file, 'utf8');
      const collected = new Collected(input.inlineResultLimitBytes);
      try {
        let index = 0;
        for await (const key of batchKeys(input.source)) {
          beatEvery(index);
          const result = await results.resultFor(index++, key);
          collected.add(key, result);
          if (!out.write(`${JSON.stringify({ key, result })}\n`)) await once(out, 'drain');
        }
      } finally {
        out.end();
        await once(out, 'close');
        await results.close();
      }
      return { ...collected.summary(), resultsFile: file };
    },
  };
}

/** Long passes over a prompt set report progress, so a worker that died is noticed within the heartbeat timeout. */
function beatEvery(n: number): void {
  if (n % 1000 === 999) Context.current().heartbeat({ prompts: n + 1 });
}

/** Counts, the first failures, and every result while they fit within the inline limit. */
class Collected {
  private results: Record<string, BatchItemResult> | undefined = {};
  private failures: Record<string, BatchItemError> = {};
  private bytes = 0;
  private succeeded = 0;
  private failed = 0;
  private listed = 0;

  constructor(private readonly limit: number) {}

  add(key: string, result: BatchItemResult): void {
    if (result.ok) this.succeeded++;
    else {
      this.failed++;
      if (this.listed++ < maxFailuresListed) this.failures[key] = result.error;
    }
    if (!this.results) return;
    this.bytes += key.length + JSON.stringify(result).length + 4;
    if (this.bytes > this.limit) this.results = undefined;
    else this.results[key] = result;
  }

  summary() {
    return {
      counts: { total: this.succeeded + this.failed, succeeded: this.succeeded, failed: this.failed },
      results: this.results ?? {},
      resultsComplete: this.results !== undefined,
      failures: this.failures,
    };
  }
}

/** The text of a request built from a text prompt (what batchInputLines makes of `{key, text}`). */
function promptText(request: Record<string, unknown>): string | undefined {
  const contents = request.contents as { parts?: { text?: unknown }[] }[] | undefined;
  if (!Array.isArray(contents) || contents.length !== 1) return undefined;
  const parts = contents[0]?.parts;
  if (!Array.isArray(parts) || !parts.every((p) => typeof p.text === 'string')) return undefined;
  return parts.map((p) => p.text as string).join('');
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
