import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { GeminiResourceIds } from '../../contract';
import { deepResearch, geminiWaitsQuery, waitForGeminiJob } from '../../workflows';
import { eventually } from '../helpers/eventually';
import { webhookWait } from '../helpers/gemini-events';
import { type ClusterSystem, deadLettersOn, deliveriesOf, signaledEvents, startClusterSystem } from './system';

/**
 * SQL visibility is written after the run's own state (by the history service's visibility queue), so a run that has
 * recorded a resource id is found by `GeminiResourceIds = '<id>'` only a moment later. The receiver finds an event's
 * owner that way when the event carries no valid routing token; these deliveries arrive inside that moment.
 */
describe('on the cluster: owner lookup under visibility lag', () => {
  let system: ClusterSystem;

  before(async () => {
    // No routing key: every event is routed by the owner lookup, as for a deployment without GEMINIFLOW_ROUTING_KEYS.
    // Jobs finish the moment they are created, so the webhook is sent right after the job's creation.
    system = await startClusterSystem({
      routingKeys: false,
      emulatorEnv: { GEMINI_EMULATOR_DEEP_RESEARCH_MS: '0', GEMINI_EMULATOR_INTERACTION_MS: '0' },
    });
  });
  after(async () => {
    await system?.stop();
  });

  it('events sent as the job is created reach their runs through the mailbox, exactly once', {
    timeout: 240_000,
  }, async (t) => {
    const runs = 6;
    const handles = await Promise.all(
      Array.from({ length: runs }, (_, i) =>
        system.client.workflow.start(deepResearch, {
          taskQueue: system.taskQueue,
          workflowId: `cluster-lag-${i}-${randomUUID()}`,
          args: [{ topic: `lagging topic ${i}`, reconcileAfter: '1 hour' }],
        }),
      ),
    );
    const results = await Promise.all(handles.map((h) => h.result()));
    for (const [i, result] of results.entries()) {
      assert.equal(result.resolvedBy, 'webhook', `run ${i} was woken by its webhook, not by the backstop`);
      assert.equal(result.topic, `lagging topic ${i}`);
    }
    const vias: string[] = [];
    for (const handle of handles) {
      const events = await signaledEvents(handle);
      const ids = new Set(events.map((e) => e.webhookId));
      assert.equal(ids.size, 1, `${handle.workflowId} got copies of one delivery only`);
      const waits = await handle.query(geminiWaitsQuery);
      assert.equal(waits.resolved.length, 1);
      assert.equal(waits.duplicatesIgnored, events.length - 1, `${handle.workflowId} dropped every extra copy`);
      vias.push(...events.map((e) => e.via));
    }
    const outcomes = system.balancer.forwarded.flatMap((f) => f.outcomes);
    // Whether an event beat its owner into visibility is a race (reported, not asserted); either way it arrived once.
    t.diagnostic(`receiver answers: ${outcomes.join(' ')}; signals came via: ${vias.join(' ')}`);
    assert.deepEqual(
      outcomes.filter((o) => !['signaled', 'held', 'duplicate', 'late'].includes(o)),
      [],
    );
  });

  it('an event that comes before its run has recorded the id is held, then forwarded once visibility shows the run', {
    timeout: 180_000,
  }, async () => {
    const resourceId = `interactions/early-${randomUUID()}`;
    const { deliveries } = await system.emulator.control<{ deliveries: { webhookId: string }[] }>('POST', '/events', {
      type: 'interaction.completed',
      data: { id: resourceId, status: 'completed' },
      uris: [system.webhookUrl],
    });
    const webhookId = deliveries[0]!.webhookId;
    await eventually(
      async () => system.balancer.forwarded.find((f) => f.webhookId === webhookId && f.outcomes.length > 0),
      'the receiver to answer the early event',
    );
    const answered = system.balancer.forwarded.find((f) => f.webhookId === webhookId)!;
    assert.equal(answered.outcomes[0], 'held', 'no run had recorded the id: the event waits in its mailbox');

    const handle = await system.client.workflow.start(waitForGeminiJob, {
      taskQueue: system.taskQueue,
      workflowId: `cluster-early-owner-${randomUUID()}`,
      args: webhookWait(resourceId),
    });
    const { event } = await handle.result();
    assert.deepEqual([event.webhookId, event.via], [webhookId, 'mailbox']);
    assert.equal((await signaledEvents(handle)).length, 1, 'forwarded once, however many copies the receivers held');
  });

  it('a run started with its resource id, and an event for it at once: found or held, delivered once', {
    timeout: 180_000,
  }, async (t) => {
    const runs = 10;
    const started = await Promise.all(
      Array.from({ length: runs }, async () => {
        const resourceId = `interactions/lag-${randomUUID()}`;
        const handle = await system.client.workflow.start(waitForGeminiJob, {
          taskQueue: system.taskQueue,
          workflowId: `cluster-lag-owner-${randomUUID()}`,
          args: webhookWait(resourceId),
          typedSearchAttributes: [{ key: GeminiResourceIds, value: [resourceId] }],
        });
        // Right after the start returned: the run has recorded the id, visibility may not show it yet.
        const [delivery] = await system.emulator
          .control<{ deliveries: { webhookId: string }[] }>('POST', '/events', {
            type: 'interaction.completed',
            data: { id: resourceId, status: 'completed' },
            uris: [system.webhookUrl],
          })
          .then((r) => r.deliveries);
        // Whether visibility showed the run yet: queries that missed it, from the moment the event was sent.
        let misses = 0;
        while (!(await system.client.workflow.count(`GeminiResourceIds = '${resourceId}'`)).count) {
          if (++misses > 6000) assert.fail(`run of ${resourceId} not in visibility after ${misses} queries`);
          await new Promise((r) => setTimeout(r, 10));
        }
        return { handle, resourceId, webhookId: delivery!.webhookId, misses };
      }),
    );
    for (const { handle, webhookId } of started) {
      const { event } = await handle.result();
      assert.equal(event.webhookId, webhookId);
      assert.equal(new Set((await signaledEvents(handle)).map((e) => e.webhookId)).size, 1);
    }
    const ours = new Set(started.map((s) => s.webhookId));
    const answers = system.balancer.forwarded.filter((f) => ours.has(f.webhookId)).map((f) => f.outcomes[0]);
    t.diagnostic(`first answers for events sent right after the start: ${answers.join(' ')}`);
    t.diagnostic(
      `visibility queries that missed the run after the event was sent: ${started.map((s) => s.misses).join(' ')}`,
    );
    assert.deepEqual(
      answers.filter((a) => !['signaled', 'held'].includes(a!)),
      [],
    );
  });

  it('no delivery was lost and none became a dead letter', async () => {
    const deliveries = await deliveriesOf(system);
    const undelivered = deliveries.filter((d) => d.status !== 'delivered');
    assert.deepEqual(
      undelivered.map(
        (d) =>
          `${d.eventType} ${d.resourceId} ${d.status} ${JSON.stringify(d.attempts.map((a) => [a.outcome, a.statusCode, a.error]))}`,
      ),
      [],
    );
    assert.deepEqual(await deadLettersOn(system.client, system.taskQueue), []);
  });
});
