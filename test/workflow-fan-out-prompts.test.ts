import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readPromptResults } from '../worker';
import { fanOutPrompts, type PromptFanOutInput } from '../workflows';
import { type GeminiStack, startGeminiStack } from './helpers/gemini-stack';
import { testTmpDir } from './helpers/temporal';

const model = 'gemini-2.5-flash';
const answer = (text: string) => `Emulated ${model} reply to: ${text}`;

/** 25 prompts, one of which the model fails. */
const prompts = Array.from({ length: 25 }, (_, i) => ({
  key: `p${i}`,
  text: i === 13 ? 'Question 13 [[fail this prompt is refused]]' : `Question ${i}`,
}));

describe('prompt fan-outs: Batch packing and per-request (emulator -> receiver -> workflows)', () => {
  let stack: GeminiStack;
  before(async () => {
    stack = await startGeminiStack({ emulator: { durations: { interactionMs: 200, batchMs: 500 } } });
  });
  after(async () => {
    await stack.stop();
  });

  const run = (input: PromptFanOutInput) =>
    stack.client.workflow.execute(fanOutPrompts, {
      taskQueue: stack.taskQueue,
      workflowId: `prompts-${randomUUID()}`,
      args: [{ model, ...input }],
    });

  const creates = () => stack.emulator.control.inspect.calls().bySdkMethod['batches.create'] ?? 0;

  async function assertMappedBack(result: Awaited<ReturnType<typeof run>>) {
    assert.deepEqual(result.counts, { total: 25, succeeded: 24, failed: 1 });
    assert.deepEqual(Object.keys(result.failures), ['p13']);
    assert.match(result.failures.p13!.message, /this prompt is refused/);
    assert.equal(result.resultsComplete, true);
    assert.deepEqual(
      Object.keys(result.results),
      prompts.map((p) => p.key),
    );
    assert.deepEqual(result.results.p7, {
      ok: true,
      text: answer('Question 7'),
      ...(result.mode === 'batch' ? { finishReason: 'STOP' } : {}),
    });
    const lines = [];
    for await (const line of readPromptResults(result.resultsFile)) lines.push(line);
    assert.deepEqual(
      lines.map((l) => l.key),
      prompts.map((p) => p.key),
      'the results file is in prompt order',
    );
    assert.equal(lines[13]!.result.ok, false);
  }

  it('packs prompts from a file into Batch jobs of a chosen size and maps every result back, with the failing prompt', async () => {
    const file = path.join(testTmpDir(), 'prompts.jsonl');
    fs.writeFileSync(file, prompts.map((p) => JSON.stringify(p)).join('\n'));
    const before = creates();
    const result = await run({ prompts: { kind: 'file', path: file }, batchSize: { prompts: 10 } });
    assert.equal(result.mode, 'batch');
    assert.equal(creates() - before, 3, 'three Batch jobs: 10 + 10 + 5 prompts');
    assert.deepEqual(result.jobs.counts, { total: 3, done: 3, failed: 0, running: 0, left: 0 });
    await assertMappedBack(result);
    // Every answered prompt's usageMetadata (2 words in, 6 out), summed per batch and over the batches.
    const usage = result.geminiUsage?.byModel[`batch:${model}`];
    assert.deepEqual([usage?.totalTokens, usage?.jobs, result.geminiUsage?.children], [24 * 8, 3, 4]);
  });

  it('packs by bytes too: a byte limit cuts the same prompts into more batches', async () => {
    const before = creates();
    // By count alone all 25 fit in one batch; at about 85 bytes a line, 1 KiB holds 12.
    const result = await run({ prompts: { kind: 'inline', prompts }, batchSize: { prompts: 25, bytes: 1024 } });
    const batches = creates() - before;
    assert.equal(batches, 3, `${batches} batches`);
    assert.equal(result.jobs.counts.total, batches);
    await assertMappedBack(result);
  });

  it('per-request: one generateText job per prompt, mapped back the same way', async () => {
    const before = stack.emulator.control.inspect.calls().bySdkMethod['interactions.create'] ?? 0;
    const result = await run({ prompts: { kind: 'inline', prompts }, mode: 'per-request', concurrency: 5 });
    assert.equal(result.mode, 'per-request');
    assert.equal((stack.emulator.control.inspect.calls().bySdkMethod['interactions.create'] ?? 0) - before, 25);
    assert.deepEqual(result.jobs.counts, { total: 25, done: 24, failed: 1, running: 0, left: 0 });
    await assertMappedBack(result);
    assert.equal(result.failures.p13!.status, 'GeminiFailed');
    // The 24 answered requests' usage (2 words in, 6 out each); the failed one reports none to its parent.
    const usage = result.geminiUsage?.byModel[model];
    assert.deepEqual([usage?.totalTokens, usage?.jobs], [24 * 8, 24]);
  });

  it('a Gemini rate limit slows the fan-out down (its window shrinks) instead of failing items', async () => {
    stack.emulator.control.rateLimit.set({ perSecond: 1, burst: 1, sdkMethods: ['batches.create'] });
    try {
      const few = prompts.slice(0, 7);
      const result = await run({
        prompts: { kind: 'inline', prompts: few },
        batchSize: { prompts: 1 },
        concurrency: 7,
      });
      assert.deepEqual(result.counts, { total: 7, succeeded: 7, failed: 0 });
      assert.deepEqual(result.jobs.counts, { total: 7, done: 7, failed: 0, running: 0, left: 0 });
      assert.ok(stack.emulator.control.rateLimit.get().limited > 0, 'Gemini answered 429');
      assert.ok(result.jobs.rateLimited.reports >= 1, 'the workers reported the 429s to the fan-out');
      assert.ok(result.jobs.window.lowest < 7, `the window shrank (lowest ${result.jobs.window.lowest})`);
    } finally {
      stack.emulator.control.rateLimit.set(null);
    }
  });
});
