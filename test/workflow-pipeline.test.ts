import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { listPublications } from '../example/publish-outbox';
import {
  briefWorkflowId,
  pipelineStatusQuery,
  type ResearchBriefInput,
  researchBriefPipeline,
} from '../example/research-brief-pipeline';
import { followUpQuestions, sourceNotePrompt } from '../example/research-brief-prompts';
import { decideApprovalUpdate, type PendingApproval, pendingApprovalsQuery } from '../workflows';
import { eventually } from './helpers/eventually';
import { type GeminiStack, startGeminiStack } from './helpers/gemini-stack';

const model = 'gemini-2.5-flash';

describe('research brief pipeline (emulator -> receiver -> workflows)', () => {
  let stack: GeminiStack;
  let client: Client;

  before(async () => {
    stack = await startGeminiStack({
      emulator: { durations: { interactionMs: 200, deepResearchMs: 1500, batchMs: 1500 } },
    });
    ({ client } = stack);
  });
  after(async () => {
    await stack.stop();
  });

  /** The brief writer checks its draft's length, then publishes it, then says so. */
  const scriptBriefWriter = (topic: string, doc: { title: string; body: string }) =>
    stack.emulator.control.model.addInteractionRule({
      match: { model, inputIncludes: `Write a one-page brief on "${topic}"` },
      turns: [
        { functionCalls: [{ name: 'count_words', arguments: { text: doc.body } }] },
        { functionCalls: [{ name: 'publish', arguments: doc }] },
        { text: `Published "${doc.title}".` },
      ],
    });

  async function startPipeline(input: ResearchBriefInput) {
    const handle = await client.workflow.start(researchBriefPipeline, {
      taskQueue: stack.taskQueue,
      workflowId: `brief-pipeline-${randomUUID()}`,
      args: [input],
    });
    return handle;
  }

  /** What a person (or the demo) does: find the brief stage, see the pending `publish`, decide. */
  async function pendingPublish(
    pipeline: WorkflowHandle,
  ): Promise<{ brief: WorkflowHandle; pending: PendingApproval }> {
    const status = await eventually(
      async () => {
        const s = await pipeline.query(pipelineStatusQuery);
        return s.stage === 'brief' ? s : undefined;
      },
      'the brief stage',
      60_000,
    );
    assert.equal(status.children.brief, briefWorkflowId(pipeline.workflowId));
    const brief = client.workflow.getHandle(status.children.brief);
    const [pending] = await eventually(
      async () => {
        // The stage is set before the child starts: until it has run its first task, the query fails.
        const list = await brief.query(pendingApprovalsQuery).catch(() => undefined);
        return list?.length ? list : undefined;
      },
      'the pending publish',
      60_000,
    );
    return { brief, pending: pending! };
  }

  it('researches, asks follow-ups as a batch, and publishes the brief once a person approves', async () => {
    const topic = `Webhooks versus polling ${randomUUID().slice(0, 8)}`;
    const doc = { title: `Brief: ${topic}`, body: 'Webhooks cut API calls; keep a reconciliation backstop.' };
    scriptBriefWriter(topic, doc);
    const pipeline = await startPipeline({ topic, followUps: 3, model });

    const { brief, pending } = await pendingPublish(pipeline);
    assert.equal(pending.tool, 'publish');
    assert.deepEqual(pending.arguments, doc);
    await brief.executeUpdate(decideApprovalUpdate, {
      args: [{ callId: pending.callId, approve: true, reviewer: 'editor' }],
    });
    const result = await pipeline.result();

    // Stage 1: the Deep Research report.
    assert.equal(result.report.topic, topic);
    assert.match(result.report.markdown, new RegExp(`^# Research report: ${topic}`));
    assert.ok(result.report.sources.length > 0, 'the report cites sources');

    // Stage 2: a fan-out with one generateText job per source, noted in source order.
    assert.ok(result.sourceNotes);
    assert.deepEqual(result.sourceNotes.counts, {
      total: result.report.sources.length,
      done: result.report.sources.length,
      failed: 0,
      running: 0,
      left: 0,
    });
    assert.deepEqual(
      result.sourceNotes.results.map((r) => r.ok && r.value.text),
      result.report.sources.map((s) => `Emulated ${model} reply to: ${sourceNotePrompt(result.report, s)}`),
    );

    // Stage 3: one batch request per follow-up question, answered by key.
    const questions = followUpQuestions(result.report, 3);
    assert.deepEqual(
      questions.map((q) => q.key),
      ['q1', 'q2', 'q3'],
    );
    for (const q of questions) assert.ok(q.text.includes(topic), q.text);
    assert.equal(result.followUps.state, 'succeeded');
    assert.ok(result.followUps.state === 'succeeded');
    assert.deepEqual(result.followUps.counts, { total: 3, succeeded: 3, failed: 0 });
    assert.deepEqual(
      Object.fromEntries(
        Object.entries(result.followUps.results).map(([k, r]) => [k, r.ok ? r.text : r.error.message]),
      ),
      Object.fromEntries(questions.map((q) => [q.key, `Emulated ${model} reply to: ${q.text}`])),
    );

    // Stage 4: the brief, checked with count_words and published once, after the approval.
    assert.equal(result.brief.reply, `Published "${doc.title}".`);
    assert.deepEqual(
      result.brief.transcript.entries
        .filter((e) => e.kind === 'tool')
        .map((e) => e.kind === 'tool' && [e.tool, e.handling, e.result]),
      [
        ['count_words', 'auto', { words: 8 }],
        ['publish', 'approved', { published: true, id: result.published?.id, title: doc.title }],
      ],
    );
    const published = listPublications(stack.publishDir).filter((p) =>
      p.idempotencyKey.startsWith(`${briefWorkflowId(pipeline.workflowId)}/`),
    );
    assert.equal(published.length, 1);
    assert.deepEqual({ title: published[0]!.title, body: published[0]!.body }, doc);
    assert.deepEqual(result.published, { id: published[0]!.id, title: doc.title });
    assert.deepEqual(await pipeline.query(pipelineStatusQuery), {
      stage: 'done',
      children: {
        research: `${pipeline.workflowId}/research`,
        sources: `${pipeline.workflowId}/sources`,
        'follow-ups': `${pipeline.workflowId}/follow-ups`,
        brief: briefWorkflowId(pipeline.workflowId),
      },
    });
  });

  it('finishes without publishing when the person says no', async () => {
    const topic = `Quarterly outlook ${randomUUID().slice(0, 8)}`;
    const doc = { title: `Brief: ${topic}`, body: 'Not yet.' };
    scriptBriefWriter(topic, doc);
    const pipeline = await startPipeline({ topic, followUps: 1, model });
    const { brief, pending } = await pendingPublish(pipeline);
    await brief.executeUpdate(decideApprovalUpdate, {
      args: [{ callId: pending.callId, approve: false, reason: 'wait for the board meeting' }],
    });
    const result = await pipeline.result();
    assert.equal(result.published, null);
    const publishEntry = result.brief.transcript.entries.find((e) => e.kind === 'tool' && e.tool === 'publish');
    assert.deepEqual(publishEntry?.kind === 'tool' && [publishEntry.handling, publishEntry.result], [
      'denied',
      'denied by the approver: wait for the board meeting; it was not run',
    ]);
    assert.equal(
      listPublications(stack.publishDir).filter((p) => p.idempotencyKey.startsWith(`${pipeline.workflowId}/`)).length,
      0,
    );
  });

  it('refuses a pipeline without a topic before starting any stage', async () => {
    const pipeline = await startPipeline({ topic: '  ' });
    await assert.rejects(pipeline.result(), (err: Error & { cause?: Error }) => {
      assert.match(String(err.cause?.message), /a topic is required/);
      return true;
    });
    const children = (await pipeline.fetchHistory()).events?.filter(
      (e) => e.startChildWorkflowExecutionInitiatedEventAttributes,
    );
    assert.deepEqual(children, []);
  });
});
