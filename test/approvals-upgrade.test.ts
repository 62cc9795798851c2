import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { GeminiflowClient } from '../client';
import { projectRoot } from '../common/paths';
import { agentWorkflow } from '../example/agent';
import { listPublications } from '../example/publish-outbox';
import { endConversationUpdate, GeminiPendingApprovals, pendingApprovalsQuery, sendMessageUpdate } from '../workflows';
import { approvalRulesPatch } from '../workflows/agent/approval-desk';
import { call, model, replyAfterTools } from './helpers/emulated-model';
import { eventually } from './helpers/eventually';
import { type GeminiStack, startGeminiStack } from './helpers/gemini-stack';
import { spawnWorkerProcess } from './helpers/processes';
import { testTmpDir, uniqueTaskQueue } from './helpers/temporal';

/** The last commit before approvals had per-tool rules, notifications and the search attribute: the "old code". */
const oldCommit = 'd405a4d534c51eaa5ccc20307283c2434676b5c7';

/** The old code's sources, outside the repository, sharing its node_modules. */
function checkOutOldCode(): string {
  const dir = path.join(testTmpDir(), 'old-code');
  fs.mkdirSync(dir);
  const tarball = path.join(dir, '..', 'old-code.tar');
  try {
    execFileSync('git', ['archive', '--format=tar', `--output=${tarball}`, oldCommit], {
      cwd: projectRoot,
      stdio: 'pipe',
    });
  } catch (err) {
    throw new Error(`this test needs the git history with ${oldCommit} (a full clone): ${(err as Error).message}`);
  }
  execFileSync('tar', ['-xf', tarball, '-C', dir]);
  fs.symlinkSync(path.join(projectRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

/** The old code's worker entry point as a process (it bundles the old workflows at start). */
function startOldWorker(dir: string, env: Record<string, string>) {
  return spawnWorkerProcess({ GEMINIFLOW_TEST_WORKFLOW_BUNDLE: '', ...env }, path.join(dir, 'worker', 'main.ts'), dir);
}

async function pendingOf(handle: WorkflowHandle) {
  return eventually(
    async () => {
      const pending = await handle.query(pendingApprovalsQuery).catch(() => []);
      return pending.length ? pending : undefined;
    },
    `a pending approval in ${handle.workflowId}`,
    180_000,
  );
}

describe('a run parked on the old code is completed by a worker on the new code', () => {
  let stack: GeminiStack;
  let geminiflow: GeminiflowClient;
  const taskQueue = uniqueTaskQueue('upgrade');

  before(async () => {
    stack = await startGeminiStack({ emulator: { durations: { interactionMs: 200 } } });
    geminiflow = new GeminiflowClient(stack.client, { taskQueue });
  });
  after(async () => {
    await stack.stop();
  });

  // The old worker bundles its workflows with webpack at start, and each wait below allows three minutes.
  it('decides the old call with a kind the old code did not have, then opens a new call under the new rules', {
    timeout: 10 * 60_000,
  }, async () => {
    const oldWorker = startOldWorker(checkOutOldCode(), { ...stack.workerEnv, TEMPORAL_TASK_QUEUE: taskQueue });
    let handle: WorkflowHandle;
    const draft = { title: 'Old draft', body: 'Parked before the upgrade.' };
    try {
      handle = await stack.client.workflow.start(agentWorkflow, {
        taskQueue,
        workflowId: `upgrade-${randomUUID()}`,
        args: [{ model, tools: ['publish'], idleTimeout: '10 minutes', message: `Publish. ${call('publish', draft)}` }],
      });
      await pendingOf(handle);
    } finally {
      await oldWorker.kill();
    }
    // Parked by the old code: nothing in visibility says so.
    assert.equal((await handle.describe()).typedSearchAttributes.get(GeminiPendingApprovals), undefined);

    await stack.startWorker({ ...stack.workerOptions, taskQueue });
    const [old] = await pendingOf(handle);
    assert.deepEqual(old!.decisions, ['approve', 'edit', 'deny'], "the tool's current rules");
    assert.equal(Date.parse(old!.deadline) - Date.parse(old!.requestedAt), 3_600_000, 'the old timeout stands');
    assert.equal(old!.remindAt, undefined, 'no reminder the old code did not schedule');
    const fixed = { title: 'Fixed after the upgrade', body: draft.body };
    await geminiflow.decideApproval(handle.workflowId, {
      callId: old!.callId,
      kind: 'edit',
      arguments: fixed,
      reviewer: 'ana',
    });

    // A call opened after the upgrade in the same run follows the new rules: visible across runs, then decided.
    const second = { title: 'After the upgrade', body: 'Opened by the new code.' };
    const reply = handle.executeUpdate(sendMessageUpdate, { args: [`Again. ${call('publish', second)}`] });
    const listed = await eventually(async () => {
      const all = await geminiflow.listPendingApprovals({ tool: 'publish' });
      return all.find((p) => p.workflowId === handle.workflowId);
    }, 'the new call in visibility');
    assert.equal(listed.remindAt !== undefined, true, 'the new call has its reminder');
    await geminiflow.decideApproval(handle.workflowId, { callId: listed.callId, kind: 'approve', reviewer: 'ben' });
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
    const markers = events.flatMap((e, i) => (e.markerRecordedEventAttributes?.markerName === 'core_patch' ? [i] : []));
    const firstDecision = events.findIndex((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
    assert.equal(markers.length, 1, `one patch marker (${approvalRulesPatch})`);
    assert.ok(markers[0]! > firstDecision, 'recorded for the call opened after the upgrade, not for the old one');
  });
});
