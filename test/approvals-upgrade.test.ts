import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GeminiflowClient } from '../client';
import { listPublications } from '../example/publish-outbox';
import { endConversationUpdate, GeminiPendingApprovals, sendMessageUpdate } from '../workflows';
import { approvalRulesPatch, durableDecisionsPatch } from '../workflows/agent/approval-desk';
import { call, replyAfterTools } from './helpers/emulated-model';
import { eventually } from './helpers/eventually';
import { type GeminiStack, startGeminiStack } from './helpers/gemini-stack';
import { parkedCalls, parkOnRelease } from './helpers/old-release';
import { patchMarkers, uniqueTaskQueue } from './helpers/temporal';

/** The last commit before approvals had per-tool rules, notifications and the search attribute: the "old code". */
const oldCommit = 'd405a4d534c51eaa5ccc20307283c2434676b5c7';

describe('a run parked on the old code is completed by a worker on the new code', () => {
  let stack: GeminiStack;
  let geminiflow: GeminiflowClient;
  const taskQueue = uniqueTaskQueue('upgrade');

  before(async () => {
    stack = await startGeminiStack({ emulator: { durations: { interactionMs: 200 } } });
    geminiflow = new GeminiflowClient(stack.client, { taskQueue });
  });
  after(async () => {
    await geminiflow?.settled();
    await stack.stop();
  });

  // The old worker bundles its workflows with webpack at start, and each wait below allows three minutes.
  it('decides the old call with a kind the old code did not have, then opens a new call under the new rules', {
    timeout: 10 * 60_000,
  }, async () => {
    const draft = { title: 'Old draft', body: 'Parked before the upgrade.' };
    const handle = await parkOnRelease({
      client: stack.client,
      taskQueue,
      workerEnv: stack.workerEnv,
      commit: oldCommit,
      entry: path.join('worker', 'main.ts'),
      workflowId: `upgrade-${randomUUID()}`,
      draft,
    });
    // Parked by the old code: nothing in visibility says so.
    assert.equal((await handle.describe()).typedSearchAttributes.get(GeminiPendingApprovals), undefined);

    await stack.startWorker({ ...stack.workerOptions, taskQueue });
    const [old] = await parkedCalls(handle);
    assert.deepEqual(old!.decisions, ['approve', 'edit', 'deny'], "the tool's current rules");
    assert.equal(Date.parse(old!.deadline) - Date.parse(old!.requestedAt), 3_600_000, 'the old timeout stands');
    assert.equal(old!.remindAt, undefined, 'no reminder the old code did not schedule');
    const fixed = { title: 'Fixed after the upgrade', body: draft.body };
    await geminiflow.decideApproval(
      handle.workflowId,
      { callId: old!.callId, kind: 'edit', arguments: fixed, reviewer: 'ana' },
      { workerWaitMs: 60_000 },
    );

    // A call opened after the upgrade in the same run follows the new rules: visible across runs, then decided.
    const second = { title: 'After the upgrade', body: 'Opened by the new code.' };
    const reply = handle.executeUpdate(sendMessageUpdate, { args: [`Again. ${call('publish', second)}`] });
    const listed = await eventually(async () => {
      const all = await geminiflow.listPendingApprovals({ tool: 'publish' });
      return all.find((p) => p.workflowId === handle.workflowId);
    }, 'the new call in visibility');
    assert.equal(listed.remindAt !== undefined, true, 'the new call has its reminder');
    await geminiflow.decideApproval(
      handle.workflowId,
      { callId: listed.callId, kind: 'approve', reviewer: 'ben' },
      { workerWaitMs: 60_000 },
    );
    await reply;
    await handle.executeUpdate(endConversationUpdate);
    const result = await handle.result();

    const published = listPublications(stack.publishDir).filter((p) =>
      p.idempotencyKey.startsWith(`${handle.workflowId}/`),
    );
    assert.deepEqual(published.map((p) => p.title).sort(), [fixed.title, second.title].sort());
    assert.equal(
      result.reply,
      replyAfterTools([
        ['publish', { published: true, id: published.find((p) => p.title === second.title)!.id, title: second.title }],
      ]),
    );
    const log = await geminiflow.approvalLog(handle.workflowId);
    assert.deepEqual(
      log.map((r) => [r.status, r.reviewer, r.notifications.length, r.outcome?.isError]),
      [
        ['edited', 'ana', 0, false],
        ['approved', 'ben', 0, false],
      ],
    );

    // Replayed without a nondeterminism error: no workflow task failed, and the patch marks only the new call.
    const events = (await handle.fetchHistory()).events ?? [];
    assert.equal(events.filter((e) => e.workflowTaskFailedEventAttributes).length, 0);
    const firstDecision = events.findIndex((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
    for (const patch of [approvalRulesPatch, durableDecisionsPatch]) {
      const markers = patchMarkers(events, patch);
      assert.equal(markers.length, 1, `one patch marker (${patch})`);
      assert.ok(markers[0]! > firstDecision, 'recorded for the call opened after the upgrade, not for the old one');
    }
  });
});
