import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { GeminiResourceIds } from '../../contract';
import { briefWorkflowId, pipelineStatusQuery, researchBriefPipeline } from '../../example/research-brief-pipeline';
import { type BatchSucceeded, batchPrompts, decideApprovalUpdate, pendingApprovalsQuery } from '../../workflows';
import { eventually } from '../helpers/eventually';
import { type ClusterSystem, deadLettersOn, deliveriesOf, startClusterSystem } from './system';

const model = 'gemini-2.5-flash';

describe('on the cluster: the flagship pipeline and a batch, end to end through real webhooks', () => {
  let system: ClusterSystem;

  before(async () => {
    system = await startClusterSystem({
      emulatorEnv: {
        GEMINI_EMULATOR_DEEP_RESEARCH_MS: '3000',
        GEMINI_EMULATOR_BATCH_MS: '3000',
        GEMINI_EMULATOR_INTERACTION_MS: '500',
      },
    });
  });
  after(async () => {
    await system?.stop();
  });

  it('research, a batch of follow-ups and an approved publish, woken by webhooks only', {
    timeout: 300_000,
  }, async () => {
    const topic = `cluster tides ${randomUUID().slice(0, 8)}`;
    const doc = { title: `Brief: ${topic}`, body: `What to know about ${topic}.` };
    await system.emulator.control('POST', '/model/interaction-rules', {
      match: { model, inputIncludes: `Write a one-page brief on "${topic}"` },
      turns: [
        { functionCalls: [{ name: 'count_words', arguments: { text: doc.body } }] },
        { functionCalls: [{ name: 'publish', arguments: doc }] },
        { text: `Published "${doc.title}".` },
      ],
    });
    const workflowId = `cluster-pipeline-${randomUUID()}`;
    const handle = await system.client.workflow.start(researchBriefPipeline, {
      taskQueue: system.taskQueue,
      workflowId,
      args: [{ topic, followUps: 2, model, wait: { reconcileAfter: '1 hour' } }],
    });

    // A person approves publish once the agent asks (a Temporal Update, through whichever node answers).
    const brief = system.client.workflow.getHandle(briefWorkflowId(workflowId));
    const publish = await eventually(
      async () => (await brief.query(pendingApprovalsQuery).catch(() => [])).find((p) => p.tool === 'publish'),
      'the agent to ask for approval of publish',
      180_000,
    );
    await brief.executeUpdate(decideApprovalUpdate, {
      args: [{ callId: publish.callId, approve: true, reviewer: 'cluster test' }],
    });

    const result = await handle.result();
    assert.match(result.report.markdown, new RegExp(`^# Research report: ${topic}`));
    assert.equal(result.report.resolvedBy, 'webhook');
    assert.equal(result.followUps.state, 'succeeded');
    const followUps = result.followUps as BatchSucceeded;
    assert.deepEqual(followUps.counts, { total: 2, succeeded: 2, failed: 0 });
    assert.equal(followUps.resolvedBy, 'webhook');
    assert.equal(result.brief.reply, `Published "${doc.title}".`);
    assert.equal(result.published?.title, doc.title);
    assert.equal((await handle.query(pipelineStatusQuery)).stage, 'done');

    // SQL visibility holds what the receiver's owner lookup reads: the batch's run is found by its resource id.
    const owners = await eventually(async () => {
      const { count } = await system.client.workflow.count(`GeminiResourceIds = '${followUps.batchName}'`);
      return count > 0 ? count : undefined;
    }, 'the follow-up batch to be found by GeminiResourceIds');
    assert.equal(owners, 1);
  });

  it('a batch on its own: uploaded, run, woken by its webhook, results read back', { timeout: 180_000 }, async () => {
    const count = 5;
    const handle = await system.client.workflow.start(batchPrompts, {
      taskQueue: system.taskQueue,
      workflowId: `cluster-batch-${randomUUID()}`,
      args: [
        {
          model,
          prompts: { kind: 'template', template: 'Summarise item {i}', count },
          wait: { reconcileAfter: '1 hour' },
        },
      ],
    });
    const described = await eventually(
      async () => {
        const d = await handle.describe();
        return d.typedSearchAttributes.get(GeminiResourceIds)?.length ? d : undefined;
      },
      'the batch run to record its batch in visibility',
      60_000,
    );
    const result = await handle.result();
    assert.equal(result.state, 'succeeded');
    const succeeded = result as BatchSucceeded;
    assert.equal(succeeded.resolvedBy, 'webhook');
    assert.deepEqual(succeeded.counts, { total: count, succeeded: count, failed: 0 });
    assert.equal(Object.keys(succeeded.results).length, count);
    assert.ok(described.typedSearchAttributes.get(GeminiResourceIds)!.includes(succeeded.batchName));
  });

  it('every delivery of these runs was taken, none became a dead letter', async () => {
    const deliveries = await deliveriesOf(system);
    assert.ok(deliveries.length >= 4, `deliveries made: ${deliveries.length}`);
    assert.deepEqual(
      deliveries.filter((d) => d.status !== 'delivered').map((d) => `${d.eventType} ${d.status}`),
      [],
    );
    const outcomes = system.balancer.forwarded.flatMap((f) => f.outcomes);
    assert.deepEqual(
      outcomes.filter((o) => !['signaled', 'duplicate', 'late'].includes(o)),
      [],
    );
    assert.deepEqual(await deadLettersOn(system.client, system.taskQueue), []);
  });
});
