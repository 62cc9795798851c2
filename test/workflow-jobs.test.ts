import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, CancelledFailure, defaultPayloadConverter } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../activities';
import { startDevServer } from '../testing/dev-server';
import {
  type BackgroundInteractionRequest,
  type BatchInput,
  type BatchResult,
  type BatchSucceeded,
  batchPrompts,
  deepResearch,
  type GeminiEvent,
  geminiWaitsQuery,
  generateVideo,
  type PromptSource,
} from '../workflows';
import { eventually } from './helpers/eventually';
import { type GeminiStack, startGeminiStack } from './helpers/gemini-stack';
import { spawnWorkerProcess } from './helpers/processes';
import { startWorker, testTmpDir } from './helpers/temporal';

const durations = { interactionMs: 500, deepResearchMs: 1500, batchMs: 1500, videoMs: 1500 };
const model = 'gemini-2.5-flash';

/** Resolves with the Gemini resource id once the workflow waits on it (the id is known and tracked). */
function waitingOn(handle: WorkflowHandle, timeoutMs = 30_000): Promise<string> {
  return eventually(
    async () => {
      // A query fails until a worker has run the workflow's first task.
      const state = await handle.query(geminiWaitsQuery).catch(() => undefined);
      return state?.waiting[0]?.resource.id;
    },
    `${handle.workflowId} to start waiting`,
    timeoutMs,
  );
}

/** The types of the geminiEvent signals in the order the workflow received them. */
async function signaledTypes(handle: WorkflowHandle): Promise<string[]> {
  const events = (await handle.fetchHistory()).events!;
  return events
    .filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'geminiEvent')
    .map(
      (e) =>
        defaultPayloadConverter.fromPayload<GeminiEvent>(
          e.workflowExecutionSignaledEventAttributes!.input!.payloads![0]!,
        ).type,
    );
}

/** Why the workflow failed: the innermost cause (an activity's ApplicationFailure, a CancelledFailure, …). */
async function failureOf(handle: WorkflowHandle): Promise<Error | undefined> {
  const err = await handle.result().then(
    () => assert.fail('the workflow should have failed'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkflowFailedError, `expected WorkflowFailedError, got ${String(err)}`);
  let cause = err.cause;
  while (cause instanceof ActivityFailure && cause.cause) cause = cause.cause;
  return cause;
}

function succeeded(result: BatchResult): BatchSucceeded {
  assert.equal(result.state, 'succeeded', JSON.stringify(result).slice(0, 300));
  return result as BatchSucceeded;
}

const id = (prefix: string) => `${prefix}-${randomUUID()}`;

function startSmallBatch(stack: GeminiStack, displayName: string, extra: Partial<BatchInput> = {}) {
  const prompts: PromptSource = { kind: 'inline', prompts: [{ key: 'a', text: 'hello' }] };
  return stack.client.workflow.start(batchPrompts, {
    taskQueue: stack.taskQueue,
    workflowId: id('batch-outcome'),
    args: [{ model, displayName, prompts, ...extra }],
  });
}

describe('jobs through the emulator, the receiver and the workflow', () => {
  let stack: GeminiStack;
  before(async () => {
    stack = await startGeminiStack({ emulator: { durations } });
  });
  after(async () => {
    await stack.stop();
  });

  it('Deep Research: returns the typed report with its sources, learned from the webhook', async () => {
    const topic = 'durable execution engines';
    const handle = await stack.client.workflow.start(deepResearch, {
      taskQueue: stack.taskQueue,
      workflowId: id('research'),
      args: [{ topic }],
    });
    const result = await handle.result();
    assert.equal(result.topic, topic);
    assert.equal(result.status, 'completed');
    assert.equal(result.resolvedBy, 'webhook');
    assert.match(result.markdown, /^# Research report: durable execution engines\n/);
    assert.equal(result.sources.length, 3);
    assert.ok(result.sources.every((s) => s.url.startsWith('https://') && s.title?.includes(topic)));

    const deliveries = stack.emulator.control.inspect.deliveries({ resourceId: result.interactionId });
    const completed = deliveries.find((d) => d.eventType === 'interaction.completed')!;
    assert.equal(completed.uri, stack.receiver.url, 'sent to the receiver named in webhook_config');
    assert.equal(completed.status, 'delivered');
    assert.match(completed.body, new RegExp(`"temporal_workflow_id":"${handle.workflowId}"`));
  });

  it('Deep Research: cancelling the workflow cancels the interaction', async () => {
    stack.emulator.control.model.addInteractionRule({
      match: { inputIncludes: 'a very long study' },
      turns: [{ durationMs: 3_600_000 }],
    });
    const handle = await stack.client.workflow.start(deepResearch, {
      taskQueue: stack.taskQueue,
      workflowId: id('research-cancel'),
      args: [{ topic: 'a very long study' }],
    });
    const interactionId = await waitingOn(handle);
    await handle.cancel();
    assert.ok((await failureOf(handle)) instanceof CancelledFailure);
    const interaction = await stack.ai.interactions.get(interactionId);
    assert.equal(interaction.status, 'cancelled');
  });

  it("Deep Research: a failed interaction fails the workflow with Gemini's reason, not retried", async () => {
    stack.emulator.control.model.addInteractionRule({
      match: { inputIncludes: 'a doomed topic' },
      turns: [{ fail: { code: 'RESOURCE_EXHAUSTED', message: 'the agent ran out of budget' } }],
    });
    const handle = await stack.client.workflow.start(deepResearch, {
      taskQueue: stack.taskQueue,
      workflowId: id('research-failed'),
      args: [{ topic: 'a doomed topic' }],
    });
    const cause = await failureOf(handle);
    assert.ok(cause instanceof ApplicationFailure);
    assert.equal(cause.type, 'GeminiFailed');
    assert.match(cause.message, /the agent ran out of budget/);
  });

  it('Batch: thousands of prompts give results by key, with per-key failures', async () => {
    const displayName = id('batch-big');
    stack.emulator.control.model.addBatchRule({ match: { displayName }, failKeys: ['item-7', 'item-2999'] });
    const count = 3000;
    const handle = await stack.client.workflow.start(batchPrompts, {
      taskQueue: stack.taskQueue,
      workflowId: id('batch'),
      args: [{ model, displayName, prompts: { kind: 'template', template: 'Summarise item {i}', count } }],
    });
    const result = succeeded(await handle.result());
    assert.deepEqual(result.counts, { total: count, succeeded: count - 2, failed: 2 });
    assert.equal(result.resultsComplete, true);
    assert.equal(Object.keys(result.results).length, count);
    assert.deepEqual(result.results['item-1234'], {
      ok: true,
      text: `Emulated ${model} reply to: Summarise item 1234`,
      finishReason: 'STOP',
    });
    assert.deepEqual(Object.keys(result.failures).sort(), ['item-2999', 'item-7']);
    assert.equal(result.results['item-7']!.ok, false);
    assert.equal(result.resolvedBy, 'webhook');

    // The prompts never entered workflow history: the whole history is far smaller than the prompts alone.
    const history = await handle.fetchHistory();
    const started = JSON.stringify(history.events![0]!.workflowExecutionStartedEventAttributes!.input);
    assert.ok(started.length < 1000, `the start event holds ${started.length} bytes`);
  });

  it('Batch: prompts from a JSONL file on the worker, and results too large to return inline', async () => {
    const dir = testTmpDir();
    const file = path.join(dir, 'prompts.jsonl');
    fs.writeFileSync(
      file,
      Array.from({ length: 200 }, (_, i) => JSON.stringify({ key: `q${i}`, text: `Question ${i}` })).join('\n'),
    );
    const handle = await stack.client.workflow.start(batchPrompts, {
      taskQueue: stack.taskQueue,
      workflowId: id('batch-file'),
      args: [{ model, prompts: { kind: 'file', path: file }, inlineResultLimitBytes: 2000 }],
    });
    const result = succeeded(await handle.result());
    assert.deepEqual(result.counts, { total: 200, succeeded: 200, failed: 0 });
    assert.equal(result.resultsComplete, false);
    assert.deepEqual(result.results, {});
    assert.match(result.outputFile, /^files\//);
  });

  it('Batch: bad input is refused with a clear error before anything is created', async () => {
    const dir = testTmpDir();
    const file = path.join(dir, 'bad.jsonl');
    fs.writeFileSync(file, `${JSON.stringify({ key: 'a', text: 'fine' })}\nnot json\n`);
    const before = stack.emulator.control.inspect.calls().bySdkMethod['batches.create'] ?? 0;
    const handle = await stack.client.workflow.start(batchPrompts, {
      taskQueue: stack.taskQueue,
      workflowId: id('batch-bad'),
      args: [{ model, prompts: { kind: 'file', path: file } }],
    });
    const cause = await failureOf(handle);
    assert.ok(cause instanceof ApplicationFailure);
    assert.equal(cause.type, 'BadBatchInput');
    assert.match(cause.message, /line 2 of the prompt file is not JSON/);

    const tooMany = Array.from({ length: 20_000 }, (_, i) => ({ key: `k${i}`, text: `prompt number ${i}` }));
    const inline = await stack.client.workflow.start(batchPrompts, {
      taskQueue: stack.taskQueue,
      workflowId: id('batch-inline-too-big'),
      args: [{ model, prompts: { kind: 'inline', prompts: tooMany } }],
    });
    const inlineCause = await failureOf(inline);
    assert.match(inlineCause!.message, /inline prompts take \d+ bytes of workflow history; the limit is/);
    assert.equal(stack.emulator.control.inspect.calls().bySdkMethod['batches.create'] ?? 0, before);
  });

  it('Batch: a failed batch and one cancelled outside the workflow each give a typed outcome', async () => {
    const failName = id('batch-fail');
    stack.emulator.control.model.addBatchRule({ match: { displayName: failName }, fail: { message: 'quota gone' } });
    const cancelName = id('batch-cancel-outside');
    stack.emulator.control.model.addBatchRule({ match: { displayName: cancelName }, durationMs: 3_600_000 });

    const failed = await (await startSmallBatch(stack, failName)).result();
    assert.equal(failed.state, 'failed');
    assert.match((failed as { error?: { message: string } }).error?.message ?? '', /quota gone/);

    const cancelledOutside = await startSmallBatch(stack, cancelName);
    const batchName = await waitingOn(cancelledOutside);
    await stack.ai.batches.cancel({ name: batchName });
    const outcome = await cancelledOutside.result();
    assert.equal(outcome.state, 'cancelled');
    assert.equal(outcome.batchName, batchName);
  });

  it('Batch: cancelling the workflow cancels the batch', async () => {
    const displayName = id('batch-cancel');
    stack.emulator.control.model.addBatchRule({ match: { displayName }, durationMs: 3_600_000 });
    const handle = await stack.client.workflow.start(batchPrompts, {
      taskQueue: stack.taskQueue,
      workflowId: id('batch-cancel'),
      args: [{ model, displayName, prompts: { kind: 'template', template: 'p{i}', count: 10 } }],
    });
    const batchName = await waitingOn(handle);
    await handle.cancel();
    assert.ok((await failureOf(handle)) instanceof CancelledFailure);
    const batch = await stack.ai.batches.get({ name: batchName });
    assert.equal(batch.state, 'JOB_STATE_CANCELLED');
  });
});

describe('faults on the way: every run still ends with exactly one correct result', () => {
  let stack: GeminiStack;
  before(async () => {
    stack = await startGeminiStack({ emulator: { durations } });
  });
  after(async () => {
    await stack.stop();
  });

  it('a lost webhook: reconciliation finds the finished research', async () => {
    stack.emulator.control.faults.addDeliveryFault({ kind: 'drop', match: { eventType: 'interaction.completed' } });
    const handle = await stack.client.workflow.start(deepResearch, {
      taskQueue: stack.taskQueue,
      workflowId: id('research-lost'),
      args: [{ topic: 'lost letters', reconcileAfter: '1s', reconcileMax: '2s' }],
    });
    const result = await handle.result();
    assert.equal(result.resolvedBy, 'reconciliation');
    assert.match(result.markdown, /^# Research report: lost letters/);
    const [lost] = stack.emulator.control.inspect.deliveries({ resourceId: result.interactionId });
    assert.equal(lost!.status, 'dropped');
  });

  it('a duplicated webhook: one result, the copies are dropped', async () => {
    stack.emulator.control.faults.addDeliveryFault({
      kind: 'duplicate',
      copies: 2,
      match: { eventType: 'batch.succeeded' },
    });
    const handle = await stack.client.workflow.start(batchPrompts, {
      taskQueue: stack.taskQueue,
      workflowId: id('batch-dup'),
      args: [{ model, prompts: { kind: 'inline', prompts: [{ key: 'only', text: 'once' }] } }],
    });
    const result = succeeded(await handle.result());
    assert.deepEqual(result.results, {
      only: { ok: true, text: `Emulated ${model} reply to: once`, finishReason: 'STOP' },
    });
    const [delivery] = stack.emulator.control.inspect.deliveries({
      resourceId: result.batchName,
      eventType: 'batch.succeeded',
    });
    assert.equal(delivery!.attempts.length, 3, 'the original and two copies reached the receiver');
    const history = await handle.fetchHistory();
    const signals = history.events!.filter((e) => e.workflowExecutionSignaledEventAttributes).length;
    const { duplicatesIgnored } = await handle.query(geminiWaitsQuery);
    assert.equal(signals - duplicatesIgnored, 1, 'exactly one event was taken');
  });

  it('reordered webhooks: interaction.completed before video.generated still gives the video', async () => {
    stack.emulator.control.faults.addDeliveryFault({ kind: 'reorder', count: 2 });
    const handle = await stack.client.workflow.start(generateVideo, {
      taskQueue: stack.taskQueue,
      workflowId: id('video-reordered'),
      args: [{ prompt: 'reordered frames' }],
    });
    const result = await handle.result();
    assert.equal(result.resolvedBy, 'webhook');
    assert.equal(fs.statSync(result.path).size, result.sizeBytes);
    const produced = stack.emulator.control.inspect
      .deliveries({ resourceId: result.interactionId })
      .sort((a, b) => a.seq - b.seq)
      .map((d) => d.eventType);
    assert.deepEqual(new Set(produced), new Set(['video.generated', 'interaction.completed']));
    assert.deepEqual(await signaledTypes(handle), [...produced].reverse(), 'the workflow got them in reverse order');
  });

  it('an early webhook (the job finished before the workflow began to wait) is not lost', async () => {
    stack.emulator.control.model.addInteractionRule({
      match: { inputIncludes: 'instant' },
      turns: [{ durationMs: 0 }],
    });
    // The real create activity, whose return is held until the receiver has landed the job's webhook in Temporal:
    // the event is in the workflow's history before the workflow even knows the interaction id.
    const activities = createActivities(stack.config);
    const slowToReturn = {
      ...activities,
      async startBackgroundInteraction(request: BackgroundInteractionRequest) {
        const started = await activities.startBackgroundInteraction(request);
        await stack.emulator.control.waitForDeliveries(
          { resourceId: started.interactionId, eventType: 'interaction.completed' },
          undefined,
          30_000,
        );
        return started;
      },
    };
    const worker = await startWorker({ activities: slowToReturn });
    try {
      const handle = await stack.client.workflow.start(deepResearch, {
        taskQueue: worker.taskQueue,
        workflowId: id('research-early'),
        args: [{ topic: 'instant answers' }],
      });
      const result = await handle.result();
      assert.equal(result.resolvedBy, 'webhook');
      assert.match(result.markdown, /^# Research report: instant answers/);
      const events = (await handle.fetchHistory()).events!;
      const signaledAt = events.findIndex((e) => e.workflowExecutionSignaledEventAttributes);
      const createdAt = events.findIndex((e) => e.activityTaskCompletedEventAttributes);
      assert.ok(signaledAt >= 0 && signaledAt < createdAt, 'the event landed before the create activity returned');
    } finally {
      await worker.stop();
    }
  });
});

describe('durability: restarts while a job runs', () => {
  it('the worker process is killed mid-wait and restarted: the run completes with the right report', async () => {
    const stack = await startGeminiStack({ emulator: { durations }, worker: false });
    const first = spawnWorkerProcess(stack.workerEnv);
    try {
      stack.emulator.control.model.addInteractionRule({
        match: { inputIncludes: 'survive a crash' },
        turns: [{ durationMs: 4000 }],
      });
      const handle = await stack.client.workflow.start(deepResearch, {
        taskQueue: stack.taskQueue,
        workflowId: id('research-worker-killed'),
        args: [{ topic: 'how to survive a crash' }],
      });
      const interactionId = await waitingOn(handle, 60_000);
      await first.kill();

      // The research finishes while no worker runs; the receiver still lands the event in the workflow's history.
      await stack.emulator.control.waitForDeliveries(
        { resourceId: interactionId, eventType: 'interaction.completed' },
        undefined,
        30_000,
      );
      const second = spawnWorkerProcess(stack.workerEnv);
      try {
        const result = await handle.result();
        assert.equal(result.interactionId, interactionId);
        assert.equal(result.resolvedBy, 'webhook');
        assert.match(result.markdown, /^# Research report: how to survive a crash/);
      } finally {
        await second.kill();
      }
    } finally {
      await first.kill();
      await stack.stop();
    }
  });

  it('the dev server is killed mid-wait and restarted on its db file: the batch result arrives', async () => {
    const dbFilename = path.join(testTmpDir(), 'jobs-restart.db');
    let server = await startDevServer({ dbFilename });
    const port = Number(server.address.split(':')[1]);
    const stack = await startGeminiStack({
      emulator: { durations: { ...durations, batchMs: 4000 } },
      address: server.address,
    });
    try {
      const handle = await stack.client.workflow.start(batchPrompts, {
        taskQueue: stack.taskQueue,
        workflowId: id('batch-server-restart'),
        args: [{ model, prompts: { kind: 'template', template: 'restart {i}', count: 20 } }],
      });
      await waitingOn(handle);
      await server.kill();
      // The batch finishes during the outage: the receiver answers 503 and Gemini (the emulator) retries later.
      await new Promise((r) => setTimeout(r, 5000));
      server = await startDevServer({ dbFilename, port });
      await stack.emulator.control.clock.advance(60_000); // bring the next delivery retry forward
      const result = succeeded(await stack.client.workflow.getHandle(handle.workflowId).result());
      assert.equal(result.counts.succeeded, 20);
      assert.deepEqual(result.results['item-19'], {
        ok: true,
        text: `Emulated ${model} reply to: restart 19`,
        finishReason: 'STOP',
      });
    } finally {
      await stack.stop();
      await server.stop();
    }
  });

  it('a batch that Gemini expires after 48 h gives the expired outcome', async () => {
    // Its own emulator: after moving the clock 48 h, its signatures are dated 48 h ahead of the receiver's clock.
    const stack = await startGeminiStack({ emulator: { durations } });
    try {
      const displayName = id('batch-expire');
      stack.emulator.control.model.addBatchRule({ match: { displayName }, expire: true });
      const expiring = await startSmallBatch(stack, displayName, { reconcileAfter: '1s', reconcileMax: '2s' });
      await waitingOn(expiring);
      await stack.emulator.control.clock.advance(48 * 3600_000 + 1000);
      // Signed 48 h ahead, the webhook is refused as too new; the status read is what tells the workflow.
      const outcome = await expiring.result();
      assert.equal(outcome.state, 'expired');
      assert.equal(outcome.resolvedBy, 'reconciliation');
    } finally {
      await stack.stop();
    }
  });

  it("a receiver outage longer than Gemini's 24 h of retries is covered by reconciliation", async () => {
    const stack = await startGeminiStack({ emulator: { durations } });
    try {
      await stack.receiver.stop();
      const handle = await stack.client.workflow.start(deepResearch, {
        taskQueue: stack.taskQueue,
        workflowId: id('research-receiver-down'),
        args: [{ topic: 'a long outage', reconcileAfter: '3s', reconcileMax: '3s' }],
      });
      const interactionId = await waitingOn(handle);
      await stack.emulator.control.waitForDeliveries(
        { resourceId: interactionId, eventType: 'interaction.completed' },
        (records) => records.some((r) => r.attempts.length > 0),
        30_000,
      );
      await stack.emulator.control.clock.advance(25 * 3600_000);
      const [delivery] = stack.emulator.control.inspect.deliveries({
        resourceId: interactionId,
        eventType: 'interaction.completed',
      });
      assert.equal(delivery!.status, 'failed', 'Gemini gave up after 24 h');

      const result = await handle.result();
      assert.equal(result.resolvedBy, 'reconciliation');
      assert.match(result.markdown, /^# Research report: a long outage/);
    } finally {
      await stack.stop().catch(() => undefined);
    }
  });
});

describe('creating a job is idempotent across activity retries', () => {
  let stack: GeminiStack;
  before(async () => {
    stack = await startGeminiStack({ emulator: { durations }, worker: false });
  });
  after(async () => {
    await stack.stop();
  });

  /** Runs an activity the way a first attempt would, returning its result and the last heartbeat it recorded. */
  async function firstAttempt<R>(fn: () => Promise<R>): Promise<{ result: R; heartbeat: unknown }> {
    const env = new MockActivityEnvironment({ workflowExecution: { workflowId: id('wf'), runId: randomUUID() } });
    let heartbeat: unknown;
    env.on('heartbeat', (d: unknown) => (heartbeat = d));
    return { result: await env.run(fn), heartbeat };
  }

  /** A retry after the worker died: Temporal hands the attempt the heartbeat details of the one before. */
  function retry<R>(fn: () => Promise<R>, heartbeatDetails: unknown): Promise<R> {
    const env = new MockActivityEnvironment({
      workflowExecution: { workflowId: id('wf'), runId: randomUUID() },
      attempt: 2,
      heartbeatDetails,
    });
    return env.run(fn);
  }

  const calls = (method: string) => stack.emulator.control.inspect.calls().bySdkMethod[method] ?? 0;
  const activities = () => createActivities(stack.config);

  it('a retried create-interaction returns the interaction the first attempt started', async () => {
    const request = { agent: 'deep-research-preview-04-2026', input: 'once only' };
    const { startBackgroundInteraction } = activities();
    const first = await firstAttempt(() => startBackgroundInteraction(request));
    const created = calls('interactions.create');
    const again = await retry(() => startBackgroundInteraction(request), first.heartbeat);
    assert.equal(again.interactionId, first.result.interactionId);
    assert.equal(calls('interactions.create'), created, 'no second interaction');
  });

  it("a retried upload and create-batch reuse the first attempt's file and batch", async () => {
    const upload = { source: { kind: 'template', template: 'x{i}', count: 3 } as PromptSource, displayName: 'idem' };
    const { uploadBatchInput, createBatchJob } = activities();
    const uploaded = await firstAttempt(() => uploadBatchInput(upload));
    const uploads = calls('files.upload');
    assert.deepEqual(await retry(() => uploadBatchInput(upload), uploaded.heartbeat), uploaded.result);
    assert.equal(calls('files.upload'), uploads, 'no second upload');

    const create = { model, file: uploaded.result.file, displayName: 'idem' };
    const batch = await firstAttempt(() => createBatchJob(create));
    const creates = calls('batches.create');
    const again = await retry(() => createBatchJob(create), batch.heartbeat);
    assert.equal(again.batchName, batch.result.batchName);
    assert.equal(calls('batches.create'), creates, 'no second batch');
  });

  it('a retry whose predecessor died before its heartbeat landed adopts the batch instead of creating another', async () => {
    const { uploadBatchInput, createBatchJob } = activities();
    const scheduledTimestampMs = Date.now();
    const upload = {
      source: { kind: 'template', template: 'y{i}', count: 2 } as PromptSource,
      displayName: 'lost-beat',
    };
    const uploaded = await firstAttempt(() => uploadBatchInput(upload));
    const create = { model, file: uploaded.result.file, displayName: `lost-beat ${randomUUID()}` };
    const first = await firstAttempt(() => createBatchJob(create));
    const creates = calls('batches.create');
    // The worker died before the heartbeat naming the batch reached Temporal: attempt 2 gets no details.
    const env = new MockActivityEnvironment({
      workflowExecution: { workflowId: id('wf'), runId: randomUUID() },
      attempt: 2,
      scheduledTimestampMs,
    });
    const again = (await env.run(() => createBatchJob(create))) as { batchName: string };
    assert.equal(again.batchName, first.result.batchName);
    assert.equal(calls('batches.create'), creates, 'no second batch');
  });
});
