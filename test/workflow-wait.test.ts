import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { GoogleGenAI } from '@google/genai';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { RunningEmulator } from '../emulator';
import { startEmulator } from '../emulator';
import {
  GeminiResourceIds,
  GeminiWaitingFor,
  GeminiWaitingSince,
  geminiEventSignal,
  geminiWaitsQuery,
  waitForGeminiJob,
} from '../workflows';
import { eventually } from './helpers/eventually';
import { geminiEvent, noReconcile } from './helpers/gemini-events';
import {
  connectClient,
  type RunningWorker,
  startWorker,
  testActivities,
  uniqueTaskQueue,
  waitUntilBlocked,
} from './helpers/temporal';

describe('waitForGeminiEvent: webhook events', () => {
  let client: Client;
  let close: () => Promise<void>;
  let worker: RunningWorker;

  // These waits never reach the backstop (noReconcile); the activities point at a closed port to show it.
  const activities = testActivities('http://127.0.0.1:9');

  before(async () => {
    ({ client, close } = await connectClient());
    worker = await startWorker({ activities });
  });
  after(async () => {
    await worker.stop();
    await close();
  });

  it('takes events that arrived before the wait began, once, and drops redeliveries, repeats and stale states', async () => {
    // No worker polls this queue yet, so every signal is in history before the workflow's first line runs.
    const taskQueue = uniqueTaskQueue('early');
    const id = `int-${randomUUID()}`;
    const handle = await client.workflow.start(waitForGeminiJob, {
      taskQueue,
      workflowId: `wait-early-${randomUUID()}`,
      args: [
        { kind: 'interaction', id },
        { until: ['interaction.completed'], ...noReconcile },
      ],
    });
    const other = geminiEvent(`int-${randomUUID()}`);
    const notWanted = geminiEvent(id, { type: 'interaction.requires_action' });
    const first = geminiEvent(id);
    const sameStateNewId = geminiEvent(id);
    for (const e of [other, notWanted, first, first, sameStateNewId]) await handle.signal(geminiEventSignal, e);

    const late = await startWorker({ taskQueue, activities });
    try {
      const resolved = await handle.result();
      assert.deepEqual(resolved.event, first);
      assert.equal(resolved.resolvedBy, 'webhook');
      const state = await handle.query(geminiWaitsQuery);
      assert.equal(
        state.duplicatesIgnored,
        3,
        'the redelivered webhook-id, the second copy of the state, and requires_action, stale once completed',
      );
      assert.deepEqual(
        state.resolved.map((r) => [r.resource.id, r.type, r.resolvedBy]),
        [[id, 'interaction.completed', 'webhook']],
      );
    } finally {
      await late.stop();
    }
  });

  it('keeps an event delivered with signal-with-start (the workflow did not exist yet)', async () => {
    const sent = geminiEvent('batches/early', { type: 'batch.succeeded' });
    const handle = await client.workflow.signalWithStart(waitForGeminiJob, {
      taskQueue: worker.taskQueue,
      workflowId: `wait-sws-${randomUUID()}`,
      args: [{ kind: 'batch', id: 'batches/early' }, noReconcile],
      signal: geminiEventSignal,
      signalArgs: [sent],
    });
    assert.deepEqual((await handle.result()).event, sent);
  });

  it('shows what it waits for and since when (query and search attributes), and clears it after', async () => {
    const id = `int-${randomUUID()}`;
    const handle = await client.workflow.start(waitForGeminiJob, {
      taskQueue: worker.taskQueue,
      workflowId: `wait-visible-${randomUUID()}`,
      args: [{ kind: 'interaction', id }, noReconcile],
    });
    await waitUntilBlocked(handle);

    const state = await handle.query(geminiWaitsQuery);
    assert.equal(state.waiting.length, 1);
    assert.deepEqual(state.waiting[0]!.resource, { kind: 'interaction', id });
    assert.ok(state.waiting[0]!.until.includes('interaction.requires_action'), 'interactions also wait for actions');
    const since = Date.parse(state.waiting[0]!.since);
    assert.ok(Math.abs(Date.now() - since) < 60_000, 'since is the wait start');

    const attrs = (await handle.describe()).typedSearchAttributes;
    assert.equal(attrs.get(GeminiWaitingFor), `interaction:${id}`);
    assert.deepEqual(attrs.get(GeminiResourceIds), [id]);
    assert.equal(attrs.get(GeminiWaitingSince)?.getTime(), since);

    // What a user does in the Temporal UI: list the runs waiting on this resource.
    const listed = await eventually(async () => {
      for await (const wf of client.workflow.list({ query: `GeminiWaitingFor = "interaction:${id}"` })) return wf;
      return undefined;
    }, 'the visibility store to list the waiting run');
    assert.equal(listed.workflowId, handle.workflowId);

    await handle.signal(geminiEventSignal, geminiEvent(id));
    assert.equal((await handle.result()).resolvedBy, 'webhook');
    const closed = (await handle.describe()).typedSearchAttributes;
    assert.equal(closed.get(GeminiWaitingFor), undefined, 'cleared when the wait ends');
    assert.deepEqual(closed.get(GeminiResourceIds), [id], 'the resource stays recorded');
    assert.equal((await handle.query(geminiWaitsQuery)).waiting.length, 0);
  });

  it('a failure ends the wait even when only success was asked for', async () => {
    const id = `int-${randomUUID()}`;
    const handle = await client.workflow.start(waitForGeminiJob, {
      taskQueue: worker.taskQueue,
      workflowId: `wait-fail-${randomUUID()}`,
      args: [
        { kind: 'interaction', id },
        { until: ['video.generated'], ...noReconcile },
      ],
    });
    const failed = geminiEvent(id, {
      type: 'interaction.failed',
      data: { id, error_code: 'X', error_message: 'boom' },
    });
    await handle.signal(geminiEventSignal, failed);
    assert.deepEqual((await handle.result()).event, failed);
  });

  it('matches a batch id with or without the batches/ prefix', async () => {
    const handle = await client.workflow.start(waitForGeminiJob, {
      taskQueue: worker.taskQueue,
      workflowId: `wait-prefix-${randomUUID()}`,
      args: [{ kind: 'batch', id: 'batches/b42' }, noReconcile],
    });
    const sent = geminiEvent('b42', { type: 'batch.expired' });
    await handle.signal(geminiEventSignal, sent);
    assert.deepEqual((await handle.result()).event, sent);
  });
});

describe('waitForGeminiEvent: the reconciliation backstop (real emulator, no webhook delivered)', () => {
  let client: Client;
  let close: () => Promise<void>;
  let worker: RunningWorker;
  let emulator: RunningEmulator;
  let ai: GoogleGenAI;

  before(async () => {
    ({ client, close } = await connectClient());
    emulator = await startEmulator({ durations: { interactionMs: 1500, batchMs: 1500 } });
    ai = new GoogleGenAI({ apiKey: 'test-key', httpOptions: { baseUrl: emulator.baseUrl } });
    worker = await startWorker({ activities: testActivities(emulator.baseUrl) });
  });
  after(async () => {
    await worker.stop();
    await emulator.stop();
    await close();
  });

  async function scheduledReads(handle: WorkflowHandle): Promise<number> {
    const history = await handle.fetchHistory();
    return history.events!.filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'reconcileGeminiResource',
    ).length;
  }

  it('a lost webhook: the status read finds the finished interaction and the wait goes on from it', async () => {
    // No webhook_config and no registered webhook: Gemini sends nothing, as if every delivery was lost. The job runs
    // until a status read has seen it running (a second read is scheduled only after the first returned), however
    // slow the machine: then the emulator's clock moves it on.
    const hold = 3_600_000;
    const created = await ai.interactions.create({
      model: 'gemini-2.5-flash',
      input: `ping [[while in_progress ${hold}]]`,
      background: true,
    });
    const handle = await client.workflow.start(waitForGeminiJob, {
      taskQueue: worker.taskQueue,
      workflowId: `wait-reconcile-${randomUUID()}`,
      args: [
        { kind: 'interaction', id: created.id },
        { reconcileAfter: '400ms', reconcileMax: '800ms' },
      ],
    });
    await eventually(async () => ((await scheduledReads(handle)) >= 2 ? true : undefined), 'a second status read');
    await emulator.control.clock.advance(hold);
    const resolved = await handle.result();
    assert.equal(resolved.resolvedBy, 'reconciliation');
    assert.equal(resolved.event.type, 'interaction.completed');
    assert.equal(resolved.event.via, 'reconciliation');
    assert.equal(resolved.event.resourceId, created.id);
    assert.ok((await scheduledReads(handle)) >= 2, 'it read while the job ran, then again after a longer quiet period');
    assert.equal((await handle.query(geminiWaitsQuery)).resolved[0]!.resolvedBy, 'reconciliation');
  });

  it('a lost batch.succeeded: reconciliation returns the output file like the webhook would', async () => {
    const batch = await ai.batches.create({
      model: 'gemini-2.5-flash',
      src: [{ contents: [{ parts: [{ text: 'one' }], role: 'user' }] }],
    });
    const handle = await client.workflow.start(waitForGeminiJob, {
      taskQueue: worker.taskQueue,
      workflowId: `wait-reconcile-batch-${randomUUID()}`,
      args: [
        { kind: 'batch', id: batch.name! },
        { reconcileAfter: '500ms', reconcileMax: '1s' },
      ],
    });
    const resolved = await handle.result();
    assert.equal(resolved.resolvedBy, 'reconciliation');
    assert.equal(resolved.event.type, 'batch.succeeded');
  });

  it('a webhook that arrives before the quiet period ends wins, and the status is never read', async () => {
    const created = await ai.interactions.create({ model: 'gemini-2.5-flash', input: 'pong', background: true });
    const handle = await client.workflow.start(waitForGeminiJob, {
      taskQueue: worker.taskQueue,
      workflowId: `wait-webhook-first-${randomUUID()}`,
      args: [{ kind: 'interaction', id: created.id }, { reconcileAfter: '1 hour' }],
    });
    await waitUntilBlocked(handle);
    const sent = geminiEvent(created.id);
    await handle.signal(geminiEventSignal, sent);
    const resolved = await handle.result();
    assert.equal(resolved.resolvedBy, 'webhook');
    assert.equal(await scheduledReads(handle), 0);
  });
});
