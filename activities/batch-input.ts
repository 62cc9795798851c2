import fs from 'node:fs';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { type BatchRequestOptions, GeminiflowFailure, type PromptSource } from '../contract';
import { readJsonLines } from './files';

interface InputLine {
  key: string;
  request: Record<string, unknown>;
}

export const badInput = (message: string) => ApplicationFailure.nonRetryable(message, GeminiflowFailure.badBatchInput);

/** The batch's input lines, produced one at a time so no step holds the whole batch in memory. */
export async function* batchInputLines(
  source: PromptSource,
  options: BatchRequestOptions = {},
): AsyncGenerator<InputLine> {
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
      yield* templateLines(source, 0, source.count, request);
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
    case 'slice': {
      const { start, count } = source;
      if (!Number.isSafeInteger(start) || start < 0 || !Number.isSafeInteger(count) || count < 1) {
        throw badInput('a slice needs a start >= 0 and a positive count');
      }
      const of = source.of;
      if (of?.kind === 'template') {
        // A template's range is made directly, not by running through the prompts before it.
        if (start + count > of.count)
          throw badInput(`the slice ends at prompt ${start + count}, but the source has ${of.count}`);
        yield* templateLines(of, start, start + count, request);
        return;
      }
      let i = 0;
      for await (const line of batchInputLines(of, options)) {
        if (i >= start + count) return;
        if (i++ >= start) yield line;
      }
      if (i < start + count) throw badInput(`the slice ends at prompt ${start + count}, but the source has ${i}`);
      return;
    }
    default:
      throw badInput(`unknown prompt source kind: ${(source as { kind?: unknown }).kind}`);
  }
}

/** Template prompts `from` … `to - 1`. Keys `${prefix}${i}` are unique by construction: no set of them is kept. */
function* templateLines(
  source: Extract<PromptSource, { kind: 'template' }>,
  from: number,
  to: number,
  request: (text: string) => Record<string, unknown>,
): Generator<InputLine> {
  for (let i = from; i < to; i++) {
    yield { key: `${source.keyPrefix ?? 'item-'}${i}`, request: request(source.template.replaceAll('{i}', String(i))) };
  }
}

/** Just the keys, in input order (for finding prompts that have no output line). */
export async function* batchKeys(source: PromptSource): AsyncGenerator<string> {
  for await (const line of batchInputLines(source)) yield line.key;
}
