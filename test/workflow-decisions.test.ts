import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { type DecisionReceipt, GeminiflowClient } from '../client';
import { projectRoot } from '../common/paths';
import { agentWorkflow } from '../example/agent';
import { listPublications } from '../example/publish-outbox';
import {
  type AgentInput,
  type ApprovalDecision,
  endConversationUpdate,
  pendingApprovalsQuery,
  sendMessageUpdate,
} from '../workflows';
import { strictTimeoutAgent } from './fixtures/approval-agents';
import { refundAgent } from './fixtures/refund-agent';
import type { Refund } from './fixtures/refund-tools';
import { pendingOf, refused, startRefundStack } from './helpers/approvals';
import { call, model, replyAfterTools } from './helpers/emulated-model';
import { eventually } from './helpers/eventually';
import type { GeminiStack } from './helpers/gemini-stack';

function applied(receipt: DecisionReceipt): Extract<DecisionReceipt, { state: 'applied' }> {
  assert.equal(receipt.state, 'applied', JSON.stringify(receipt));
  return receipt as Extract<DecisionReceipt, { state: 'applied' }>;
}

const acceptedUpdates = async (handle: WorkflowHandle) =>
  ((await handle.fetchHistory()).events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length;

describe('decisions: rules as code, who may decide and how many, parallel and late decisions', () => {
  let stack: GeminiStack;
  let geminiflow: GeminiflowClient;
  let refunds: Refund[];
  let taskQueue: string;

  before(async () => {
    ({ stack, refunds, taskQueue } = await startRefundStack());
    geminiflow = new GeminiflowClient(stack.client, { taskQueue });
  });
  after(async () => {
    await geminiflow?.settled();
    await stack.stop();
  });

  // The worker is up: it gets all the time it needs, so a slow machine cannot turn `applied` into `recorded`.
  const decide = (workflowId: string, decision: ApprovalDecision) =>
    geminiflow.decideApproval(workflowId, decision, { workerWaitMs: 60_000 });
  const start = (workflow: (input: AgentInput) => Promise<unknown>, input: AgentInput) =>
    stack.client.workflow.start(workflow as typeof agentWorkflow, {
      taskQueue,
      workflowId: `decisions-${randomUUID()}`,
      args: [{ model, conversation: false, ...input }],
    });
  const refundsOf = (workflowId: string) => refunds.filter((r) => r.idempotencyKey.startsWith(`${workflowId}/`));

  it('a threshold rule runs a small refund and asks a person above it; the rule is in the audit record', async () => {
    const handle = await start(refundAgent, {
      tools: ['issue_refund'],
      startedBy: 'sam',
      message: `Two refunds. ${call('issue_refund', { orderId: 'A-1', amount: 20 })} ${call('issue_refund', { orderId: 'A-2', amount: 120 })}`,
    });
    const [asked] = await pendingOf(handle);
    assert.deepEqual([asked!.tool, asked!.arguments], ['issue_refund', { orderId: 'A-2', amount: 120 }]);
    assert.deepEqual(asked!.rule, { name: 'refund-threshold', policy: 'approval', reason: '$120 is $50 or more' });
    assert.deepEqual(asked!.approvers, { groups: ['finance'], starterCannotApproveAlone: true });
    assert.equal(asked!.startedBy, 'sam');
    assert.deepEqual(
      refundsOf(handle.workflowId).map((r) => r.amount),
      [20],
      'the small refund ran without anyone',
    );

    // The person who started the run may approve, but not alone.
    const bySam = applied(
      await decide(handle.workflowId, {
        callId: asked!.callId,
        kind: 'approve',
        reviewer: 'sam',
        reviewerGroups: ['finance'],
      }),
    );
    assert.equal(bySam.approved, false);
    assert.equal(bySam.waitingFor, '1 more approval, from finance, by someone other than sam (1 so far: sam)');
    assert.deepEqual(refundsOf(handle.workflowId).length, 1, 'not yet');
    applied(
      await decide(handle.workflowId, {
        callId: asked!.callId,
        kind: 'approve',
        reviewer: 'fin',
        reviewerGroups: ['finance'],
      }),
    );
    await handle.result();
    assert.deepEqual(
      refundsOf(handle.workflowId).map((r) => r.amount),
      [20, 120],
    );

    const log = await geminiflow.approvalLog(handle.workflowId);
    assert.deepEqual(
      log.map((r) => [r.status, r.rule, r.reviewer, r.approvals?.map((v) => v.reviewer), r.outcome?.isError]),
      [
        ['auto', { name: 'refund-threshold', policy: 'auto', reason: '$20 is under $50' }, undefined, undefined, false],
        [
          'approved',
          { name: 'refund-threshold', policy: 'approval', reason: '$120 is $50 or more' },
          'fin',
          ['sam', 'fin'],
          false,
        ],
      ],
    );

    // The same rule refuses, with its reason, for a customer the run's context marks.
    const blocked = await start(refundAgent, {
      tools: ['issue_refund'],
      context: { customerBlocked: true },
      message: `Refund. ${call('issue_refund', { orderId: 'B-1', amount: 10 })}`,
    });
    const result = await blocked.result();
    assert.equal(
      result.reply,
      replyAfterTools([['issue_refund', 'issue_refund is not allowed: this customer is refunded by people only']]),
    );
    const [refusedRecord] = await geminiflow.approvalLog(blocked.workflowId);
    assert.deepEqual([refusedRecord!.status, refusedRecord!.rule?.name], ['refused', 'blocked-customers']);
    assert.deepEqual(refundsOf(blocked.workflowId), []);
  });

  it('groups and a quorum of two refuse the wrong reviewer and the same one twice; the call runs once two approve', async () => {
    const handle = await start(refundAgent, {
      tools: ['issue_refund'],
      startedBy: 'sam',
      message: `Big refund. ${call('issue_refund', { orderId: 'C-1', amount: 900 })}`,
    });
    const [asked] = await pendingOf(handle);
    const id = handle.workflowId;
    const callId = asked!.callId;
    assert.deepEqual(asked!.approvers, { groups: ['finance'], quorum: 2 });
    assert.equal(asked!.stillNeeded, '2 more approvals, from finance');

    await refused(
      decide(id, { callId, kind: 'approve', reviewer: 'cy', reviewerGroups: ['support'] }),
      /^issue_refund is decided by finance; cy is in support$/,
    );
    await refused(decide(id, { callId, kind: 'approve' }), /needs to know who decides/);
    const first = applied(await decide(id, { callId, kind: 'approve', reviewer: 'sam', reviewerGroups: ['finance'] }));
    assert.equal(first.waitingFor, '1 more approval, from finance, by someone other than sam (1 so far: sam)');
    await refused(
      decide(id, { callId, kind: 'approve', reviewer: 'sam', reviewerGroups: ['finance'] }),
      /^sam already approved this call at .*: it needs another person$/,
    );
    const [stillPending] = await handle.query(pendingApprovalsQuery);
    assert.deepEqual(
      [stillPending!.approvals?.map((v) => v.reviewer), stillPending!.stillNeeded],
      [['sam'], '1 more approval, from finance, by someone other than sam (1 so far: sam)'],
    );
    assert.deepEqual(refundsOf(id), [], 'nothing runs before the quorum');

    const second = applied(await decide(id, { callId, kind: 'approve', reviewer: 'ana', reviewerGroups: ['finance'] }));
    assert.deepEqual([second.approved, second.waitingFor, second.argumentsUsed], [true, undefined, asked!.arguments]);
    await handle.result();
    assert.deepEqual(
      refundsOf(id).map((r) => r.amount),
      [900],
    );
    const [record] = await geminiflow.approvalLog(id);
    assert.deepEqual(
      [record!.status, record!.reviewer, record!.approvals?.map((v) => [v.reviewer, v.kind])],
      [
        'approved',
        'ana',
        [
          ['sam', 'approve'],
          ['ana', 'approve'],
        ],
      ],
    );
    assert.equal(await acceptedUpdates(handle), 2, 'the refused decisions never reached history');
  });

  it('two approval-gated calls in one turn, decided in reverse order with an edit and a denial: each to its own call', async () => {
    const one = { title: 'First draft', body: 'One.' };
    const two = { title: 'Second draft', body: 'Two.' };
    const handle = await start(agentWorkflow, {
      tools: ['publish'],
      message: `Both. ${call('publish', one)} ${call('publish', two)}`,
    });
    const [first, second] = await pendingOf(handle, 2);
    assert.deepEqual([first!.arguments, second!.arguments], [one, two]);
    assert.notEqual(first!.callId, second!.callId);

    await decide(handle.workflowId, {
      callId: second!.callId,
      kind: 'deny',
      reason: 'not the second',
      reviewer: 'ana',
    });
    assert.deepEqual(
      (await handle.query(pendingApprovalsQuery)).map((p) => p.callId),
      [first!.callId],
      'the denial closed the second call only',
    );
    const fixed = { title: 'First, fixed', body: 'One.' };
    await decide(handle.workflowId, { callId: first!.callId, kind: 'edit', arguments: fixed, reviewer: 'ben' });
    const result = await handle.result();

    const published = listPublications(stack.publishDir).filter((p) =>
      p.idempotencyKey.startsWith(`${handle.workflowId}/`),
    );
    assert.deepEqual(
      published.map((p) => [p.title, p.idempotencyKey.endsWith(`/${first!.callId}`)]),
      [[fixed.title, true]],
    );
    assert.deepEqual(
      result.transcript.entries.flatMap((e) => (e.kind === 'tool' ? [[e.callId, e.handling, e.arguments]] : [])),
      [
        [first!.callId, 'edited', fixed],
        [second!.callId, 'denied', two],
      ],
    );
    const log = await geminiflow.approvalLog(handle.workflowId);
    assert.deepEqual(
      log.map((r) => [r.callId, r.status, r.reviewer]),
      [
        [first!.callId, 'edited', 'ben'],
        [second!.callId, 'denied', 'ana'],
      ],
    );
  });

  it('a late decision for a timed-out call is refused, saying when it timed out, and never reaches the next call', async () => {
    const text = { text: 'nobody decides' };
    const handle = await start(strictTimeoutAgent, {
      tools: ['count_words'],
      conversation: true,
      idleTimeout: '10 minutes',
      message: `Count. ${call('count_words', text)}`,
    });
    const [late] = await pendingOf(handle);
    // The first turn ends once the call has timed out (2 s); the next turn asks for the same tool again.
    await eventually(async () => {
      const log = await geminiflow.approvalLog(handle.workflowId);
      return log[0]?.status === 'timed_out' ? true : undefined;
    }, 'the first call to time out');
    const reply = handle.executeUpdate(sendMessageUpdate, { args: [`Again. ${call('count_words', text)}`] });
    // Read from the audit record: the next call may time out too before this test looks (it waits 2 s only).
    const next = await eventually(async () => {
      const log = await geminiflow.approvalLog(handle.workflowId);
      return log.find((r) => r.callId !== late!.callId);
    }, 'the next call of count_words');
    assert.equal(next.tool, 'count_words');

    await refused(
      decide(handle.workflowId, { callId: late!.callId, kind: 'approve', reviewer: 'ana' }),
      new RegExp(
        `^call ${late!.callId} is no longer pending: it timed out at ${late!.deadline.replaceAll('.', '\\.')}`,
      ),
    );
    // Nobody decides the next call either: it times out in turn, untouched by the late decision, and the run goes on.
    await reply;
    await handle.executeUpdate(endConversationUpdate);
    await handle.result();
    const log = await geminiflow.approvalLog(handle.workflowId);
    assert.deepEqual(
      log.map((r) => [r.callId, r.status, r.reviewer, r.approvals]),
      [
        [late!.callId, 'timed_out', undefined, undefined],
        [next.callId, 'timed_out', undefined, undefined],
      ],
    );
    assert.equal(await acceptedUpdates(handle), 2, 'the two messages; no decision reached history');

    // After the run has ended, the refusal still says how and when the call ended.
    await refused(
      decide(handle.workflowId, { callId: next.callId, kind: 'approve', reviewer: 'ana' }),
      new RegExp(
        `^call ${next.callId} is no longer pending: it timed out at ${next.deadline!.replaceAll('.', '\\.')}.*; the run has ended$`,
      ),
    );
  });

  it('docs/workflows.md shows the rule this file runs', () => {
    const docs = fs.readFileSync(path.join(projectRoot, 'docs', 'workflows.md'), 'utf8');
    const shown = /<!-- verified example: test\/fixtures\/refund-agent\.ts -->\n```ts\n([\s\S]*?)```/.exec(docs)?.[1];
    assert.ok(shown, 'docs/workflows.md has the verified example');
    const source = fs.readFileSync(path.join(projectRoot, 'test', 'fixtures', 'refund-agent.ts'), 'utf8');
    const body = source.slice(source.indexOf('export const issueRefund'));
    assert.equal(shown.slice(shown.indexOf('export const issueRefund')), body);
  });
});
