import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, defaultPayloadConverter } from '@temporalio/common';
import { GeminiflowClient } from '../client';
import { type AnswerQuestionsInput, answerQuestions } from '../example/answer-questions';
import { readFanOutResults } from '../worker';
import { type FanOutResult, itemWorkflowId, type TextResult } from '../workflows';
import { eventually } from './helpers/eventually';
import { type GeminiStack, startGeminiStack } from './helpers/gemini-stack';

const model = 'gemini-2.5-flash';
const answer = (q: string) => `Emulated ${model} reply to: ${q}`;

describe('fan-out: one child workflow per item (emulator -> receiver -> workflows)', () => {
  let stack: GeminiStack;
  let geminiflow: GeminiflowClient;
  before(async () => {
    stack = await startGeminiStack({ emulator: { durations: { interactionMs: 300, batchMs: 500 } } });
    geminiflow = new GeminiflowClient(stack.client, { taskQueue: stack.taskQueue });
  });
  after(async () => {
    await stack.stop();
  });

  function start(input: Omit<AnswerQuestionsInput, 'model'>) {
    return stack.client.workflow.start(answerQuestions, {
      taskQueue: stack.taskQueue,
      workflowId: `fan-out-${randomUUID()}`,
      args: [{ model, ...input }],
    });
  }

  const fanOutId = (pipeline: WorkflowHandle) => `${pipeline.workflowId}/answers`;

  /** The status and the [start, close] times of every item child that exists, by index. */
  async function children(pipeline: WorkflowHandle, count: number) {
    return Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const d = await stack.client.workflow
          .getHandle(itemWorkflowId(fanOutId(pipeline), i))
          .describe()
          .catch(() => undefined);
        return d && { status: d.status.name, start: d.startTime.getTime(), close: d.closeTime?.getTime() ?? Infinity };
      }),
    );
  }

  /** The Gemini interaction an item's generateText child started, from its history. */
  async function interactionOf(workflowId: string): Promise<string> {
    const events = (await stack.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    const started = events.find((e) => e.activityTaskCompletedEventAttributes)!.activityTaskCompletedEventAttributes!;
    return defaultPayloadConverter.fromPayload<{ interactionId: string }>(started.result!.payloads![0]!).interactionId;
  }

  /** Why the pipeline failed: the FanOutStopped failure fanOut hands on, or a cancellation. */
  async function failureOf(pipeline: WorkflowHandle): Promise<Error | undefined> {
    const err = await pipeline.result().then(
      () => assert.fail('the pipeline should have failed'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError, String(err));
    return err.cause;
  }

  it('continue: every item runs, failures are per item, results come back in item order, the window holds', async () => {
    const questions = [
      'first',
      'second [[fail the model refused]]',
      'third',
      'fourth',
      'fifth [[fail out of ideas]]',
      'sixth',
    ];
    const pipeline = await start({ questions, concurrency: 2 });
    const result = await pipeline.result();

    assert.equal(result.state, 'completed');
    assert.deepEqual(result.counts, { total: 6, done: 4, failed: 2, running: 0, left: 0 });
    assert.equal(result.resultsComplete, true);
    assert.deepEqual(
      result.results.map((r) => (r.ok ? r.value.text : `failed: ${r.error.type}`)),
      [
        answer('first'),
        'failed: GeminiFailed',
        answer('third'),
        answer('fourth'),
        'failed: GeminiFailed',
        answer('sixth'),
      ],
    );
    assert.deepEqual(
      result.failures.map((f) => [f.index, f.label]),
      [
        [1, 'q2'],
        [4, 'q5'],
      ],
    );
    assert.match(result.failures[0]!.error.message, /the model refused/);

    // Never more than two children at once: their lifetimes, as Temporal recorded them, overlap two deep at most.
    const runs = await children(pipeline, 6);
    assert.ok(runs.every((r) => r !== undefined));
    const overlap = Math.max(
      ...runs.map((r) => runs.filter((o) => o!.start <= r!.start && o!.close > r!.start).length),
    );
    assert.ok(overlap <= 2, `${overlap} children ran at once`);

    // Progress for people: the query and the search attribute agree on the end state.
    const [progress] = await geminiflow.fanOutProgress(fanOutId(pipeline));
    assert.equal(progress!.state, 'completed');
    assert.deepEqual([progress!.done, progress!.failed, progress!.running, progress!.left], [4, 2, 0, 0]);
    const described = await stack.client.workflow.getHandle(fanOutId(pipeline)).describe();
    assert.deepEqual(described.searchAttributes.GeminiFanOutProgress, ['done 4, failed 2, running 0, left 0 of 6']);
  });

  it('fail-fast: the first failure cancels the running items and starts no more', async () => {
    stack.emulator.control.model.addInteractionRule({
      match: { inputIncludes: 'slow fail-fast' },
      turns: [{ durationMs: 3_600_000 }],
    });
    const questions = ['slow fail-fast a', 'slow fail-fast b', 'quick [[fail at once]]', 'never 1', 'never 2'];
    const pipeline = await start({ questions, concurrency: 3, onFailure: 'fail-fast' });
    const cause = await failureOf(pipeline);
    assert.ok(cause instanceof ApplicationFailure, String(cause));
    assert.equal(cause.type, 'FanOutStopped');
    const outcome = cause.details?.[0] as FanOutResult<TextResult>;
    assert.equal(outcome.state, 'stopped');
    assert.deepEqual(outcome.counts, { total: 5, done: 0, failed: 1, running: 0, left: 4 });
    assert.deepEqual(
      outcome.results.map((r) => (r.ok ? 'ok' : r.error.type)),
      ['CancelledFailure', 'CancelledFailure', 'GeminiFailed', 'NotStarted', 'NotStarted'],
    );

    const runs = await children(pipeline, 5);
    assert.deepEqual(
      runs.map((r) => r?.status),
      ['CANCELLED', 'CANCELLED', 'FAILED', undefined, undefined],
    );
    // Cancelling the children cancelled their Gemini jobs.
    for (const i of [0, 1]) {
      const interaction = await stack.ai.interactions.get(await interactionOf(itemWorkflowId(fanOutId(pipeline), i)));
      assert.equal(interaction.status, 'cancelled');
    }
  });

  it('stopAfter: the fan-out stops at the n-th failure', async () => {
    const questions = ['a', 'b [[fail one]]', 'c', 'd [[fail two]]', 'e', 'f [[fail three]]', 'g'];
    const pipeline = await start({ questions, concurrency: 1, onFailure: { stopAfter: 2 } });
    const cause = await failureOf(pipeline);
    assert.ok(cause instanceof ApplicationFailure && cause.type === 'FanOutStopped', String(cause));
    const outcome = cause.details?.[0] as FanOutResult<TextResult>;
    assert.match(outcome.stoppedBecause!, /2 item\(s\) failed \(stopAfter 2\)/);
    assert.deepEqual(outcome.counts, { total: 7, done: 2, failed: 2, running: 0, left: 3 });
    assert.deepEqual(
      outcome.results.map((r) => (r.ok ? 'ok' : r.error.type)),
      ['ok', 'GeminiFailed', 'ok', 'GeminiFailed', 'NotStarted', 'NotStarted', 'NotStarted'],
    );
    assert.deepEqual(
      (await children(pipeline, 7)).map((r) => r?.status),
      ['COMPLETED', 'FAILED', 'COMPLETED', 'FAILED', undefined, undefined, undefined],
    );
  });

  it('cancelling the pipeline cancels the fan-out, its running items and their Gemini jobs', async () => {
    stack.emulator.control.model.addInteractionRule({
      match: { inputIncludes: 'endless' },
      turns: [{ durationMs: 3_600_000 }],
    });
    const pipeline = await start({ questions: ['endless 1', 'endless 2', 'endless 3', 'endless 4'], concurrency: 2 });
    const progress = await eventually(async () => {
      const [p] = await geminiflow.fanOutProgress(pipeline.workflowId).catch(() => []);
      return p && p.running === 2 ? p : undefined;
    }, 'two items running');
    assert.deepEqual([progress.done, progress.failed, progress.left, progress.total], [0, 0, 2, 4]);
    // The children are waiting on their jobs before the cancellation arrives.
    await eventually(
      async () => ((await children(pipeline, 2)).every((c) => c?.status === 'RUNNING') ? true : undefined),
      'children',
    );
    await eventually(() => interactionOf(itemWorkflowId(fanOutId(pipeline), 1)).catch(() => undefined), 'second job');

    await pipeline.cancel();
    assert.ok((await failureOf(pipeline)) instanceof CancelledFailure);
    const fanOut = await stack.client.workflow.getHandle(fanOutId(pipeline)).describe();
    assert.equal(fanOut.status.name, 'CANCELLED');
    assert.deepEqual(
      (await children(pipeline, 4)).map((r) => r?.status),
      ['CANCELLED', 'CANCELLED', undefined, undefined],
    );
    for (const i of [0, 1]) {
      const interaction = await stack.ai.interactions.get(await interactionOf(itemWorkflowId(fanOutId(pipeline), i)));
      assert.equal(interaction.status, 'cancelled');
    }
  });

  it('crosses the continue-as-new boundary twice: runs carry progress, every item runs once, stored results in order', async () => {
    const questions = Array.from({ length: 7 }, (_, i) => `question ${i}`);
    const pipeline = await start({ questions, concurrency: 2, itemsPerRun: 3, inlineResultLimitBytes: 0 });
    const result = await pipeline.result();
    assert.equal(result.runs, 3);
    assert.deepEqual(result.counts, { total: 7, done: 7, failed: 0, running: 0, left: 0 });
    assert.equal(result.resultsComplete, false);
    assert.ok(result.stored && result.stored.count === 7);
    const read: string[] = [];
    for await (const { index, result: r } of readFanOutResults(result.stored)) {
      read.push(`${index}: ${r.ok ? (r.value as TextResult).text : r.error.message}`);
    }
    assert.deepEqual(
      read,
      questions.map((q, i) => `${i}: ${answer(q)}`),
    );

    // Three runs of the fan-out, two of which continued as new; each item's child ran exactly once.
    const runs = [];
    for await (const run of stack.client.workflow.list({ query: `WorkflowId = "${fanOutId(pipeline)}"` }))
      runs.push(run.status.name);
    assert.deepEqual(runs.sort(), ['COMPLETED', 'CONTINUED_AS_NEW', 'CONTINUED_AS_NEW']);
    for (let i = 0; i < 7; i++) {
      const itemRuns = [];
      for await (const run of stack.client.workflow.list({
        query: `WorkflowId = "${itemWorkflowId(fanOutId(pipeline), i)}"`,
      }))
        itemRuns.push(run.status.name);
      assert.deepEqual(itemRuns, ['COMPLETED'], `item ${i}`);
    }
  });
});
