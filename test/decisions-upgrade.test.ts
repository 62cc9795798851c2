import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Worker } from '@temporalio/worker';
import { ApprovalRefusedError, GeminiflowClient } from '../client';
import { listPublications } from '../example/publish-outbox';
import { approvalsMemoKey, endConversationUpdate, sendMessageUpdate } from '../workflows';
import { durableDecisionsPatch } from '../workflows/agent/approval-desk';
import { call } from './helpers/emulated-model';
import { eventually } from './helpers/eventually';
import { type GeminiStack, startGeminiStack } from './helpers/gemini-stack';
import { parkedCalls, parkOnRelease } from './helpers/old-release';
import { patchMarkers, uniqueTaskQueue } from './helpers/temporal';

/** The release before durable decisions, rules as code and approver groups (the `house` branch): the "old code". */
const oldCommit = '9c6adc4acb7206f118fee4370619474dcd96df1c';

describe('a run parked on the previous release completes on the new code (durable decisions)', () => {
  let stack: GeminiStack;
  let geminiflow: GeminiflowClient;
  const taskQueue = uniqueTaskQueue('decisions-upgrade');

  before(async () => {
    stack = await startGeminiStack({ emulator: { durations: { interactionMs: 200 } }, worker: false });
    geminiflow = new GeminiflowClient(stack.client, { taskQueue });
  });
  after(async () => {
    await geminiflow?.settled();
    await stack.stop();
  });

  it('decides the old call, then records a decision for a call opened by the new code while its worker is down', {
    timeout: 600_000,
  }, async () => {
    const draft = { title: 'Old draft', body: 'Parked before the upgrade.' };
    const handle = await parkOnRelease({
      client: stack.client,
      taskQueue,
      workerEnv: stack.workerEnv,
      commit: oldCommit,
      entry: path.join('example', 'worker.ts'),
      workflowId: `decisions-upgrade-${randomUUID()}`,
      draft,
    });
    const id = handle.workflowId;
    // The old code publishes nothing: with no worker, a decision cannot be checked, so it is refused, not recorded.
    assert.equal((await handle.describe()).memo?.[approvalsMemoKey], undefined);

    let worker: Worker = await stack.startWorker({ ...stack.workerOptions, taskQueue });
    const [old] = await parkedCalls(handle);
    await worker.shutdown();
    await eventually(async () => (worker.getState() === 'STOPPED' ? true : undefined), 'the worker to stop');
    await assert.rejects(
      geminiflow.decideApproval(id, { callId: old!.callId, kind: 'approve', reviewer: 'ana' }),
      (err: Error) =>
        err instanceof ApprovalRefusedError &&
        /^not recorded: no worker of the run answered, and this run/.test(err.message),
    );

    // The new worker: the old call takes a decision (with the fields the old code never saw); its refused update does not.
    worker = await stack.startWorker({ ...stack.workerOptions, taskQueue });
    const [stillOld] = await parkedCalls(handle);
    assert.deepEqual([stillOld!.callId, stillOld!.approvals], [old!.callId, undefined]);
    const fixed = { title: 'Fixed after the upgrade', body: draft.body };
    const edited = await geminiflow.decideApproval(
      id,
      { callId: old!.callId, kind: 'edit', arguments: fixed, reviewer: 'ana' },
      { workerWaitMs: 60_000 },
    );
    assert.equal(edited.state, 'applied');

    // A call opened by the new code is published; decided while the worker is down, it is recorded, then applied.
    const second = { title: 'After the upgrade', body: 'Opened by the new code.' };
    const reply = handle.executeUpdate(sendMessageUpdate, { args: [`Again. ${call('publish', second)}`] });
    const opened = await eventually(async () => {
      const memo = (await handle.describe()).memo?.[approvalsMemoKey] as { pending: { callId: string }[] } | undefined;
      return memo?.pending[0];
    }, 'the new call in the memo');
    await worker.shutdown();
    await eventually(async () => (worker.getState() === 'STOPPED' ? true : undefined), 'the worker to stop');
    const recorded = await geminiflow.decideApproval(id, { callId: opened.callId, kind: 'approve', reviewer: 'ben' });
    assert.equal(recorded.state, 'recorded');
    worker = await stack.startWorker({ ...stack.workerOptions, taskQueue });
    await reply;
    await handle.executeUpdate(endConversationUpdate);
    await handle.result();

    const published = listPublications(stack.publishDir).filter((p) => p.idempotencyKey.startsWith(`${id}/`));
    assert.deepEqual(published.map((p) => p.title).sort(), [fixed.title, second.title].sort());
    const log = await geminiflow.approvalLog(id);
    assert.deepEqual(
      log.map((r) => [r.status, r.reviewer, r.decisionId === recorded.decisionId]),
      [
        ['edited', 'ana', false],
        ['approved', 'ben', true],
      ],
    );
    // Replayed without a nondeterminism error; the new patch marks the call opened after the upgrade only.
    const events = (await handle.fetchHistory()).events ?? [];
    assert.equal(events.filter((e) => e.workflowTaskFailedEventAttributes).length, 0);
    const markers = patchMarkers(events, durableDecisionsPatch);
    const firstDecision = events.findIndex((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
    assert.equal(markers.length, 1, `one ${durableDecisionsPatch} marker`);
    assert.ok(markers[0]! > firstDecision, 'recorded for the call opened after the upgrade, not for the old one');
  });
});
