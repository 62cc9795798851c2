import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { openCluster } from '../../scripts/cluster/cluster';
import { type BatchSucceeded, batchPrompts, deepResearch, geminiWaitsQuery } from '../../workflows';
import { eventually } from '../helpers/eventually';
import { waitUntilBlocked } from '../helpers/temporal';
import { type ClusterSystem, deadLettersOn, deliveriesOf, signaledEvents, startClusterSystem } from './system';

/** The cluster `npm run test:cluster` started (this file runs only there: it kills one of its nodes). */
function ownCluster() {
  const dir = process.env.GEMINIFLOW_CLUSTER_DIR;
  if (!dir)
    throw new Error(
      'GEMINIFLOW_CLUSTER_DIR is not set: this test kills a node of the cluster `npm run test:cluster` starts',
    );
  return openCluster(dir);
}

const jobMs = 600_000;

describe('on the cluster: one Temporal node SIGKILLed while runs wait and deliveries arrive, then restarted', () => {
  const cluster = ownCluster();
  const lost = cluster.frontends.length - 1;
  let system: ClusterSystem;

  before(async () => {
    assert.ok(cluster.frontends.length >= 2, 'a cluster of two nodes or more');
    // Jobs that would take ten minutes: they finish when the test moves the emulator's clock, once the node is gone.
    system = await startClusterSystem({
      emulatorEnv: { GEMINI_EMULATOR_DEEP_RESEARCH_MS: String(jobMs), GEMINI_EMULATOR_BATCH_MS: String(jobMs) },
    });
  });
  after(async () => {
    // Whatever happened, the node is back for the files that follow.
    await cluster.startNode(lost);
    await system?.stop();
  });

  it('every run completes exactly once, by its webhook; no delivery is lost, none becomes a dead letter', {
    timeout: 420_000,
  }, async (t) => {
    const research: WorkflowHandle<typeof deepResearch>[] = [];
    for (let i = 0; i < 6; i++) {
      research.push(
        await system.client.workflow.start(deepResearch, {
          taskQueue: system.taskQueue,
          workflowId: `cluster-loss-research-${i}-${randomUUID()}`,
          args: [{ topic: `resilient topic ${i}`, wait: { reconcileAfter: '1 hour' } }],
        }),
      );
    }
    const batches: WorkflowHandle<typeof batchPrompts>[] = [];
    for (let i = 0; i < 2; i++) {
      batches.push(
        await system.client.workflow.start(batchPrompts, {
          taskQueue: system.taskQueue,
          workflowId: `cluster-loss-batch-${i}-${randomUUID()}`,
          args: [
            {
              prompts: { kind: 'template', template: `Question {i} of batch ${i}`, count: 3 },
              wait: { reconcileAfter: '1 hour' },
            },
          ],
        }),
      );
    }
    const all: WorkflowHandle[] = [...research, ...batches];
    // Waiting: each has created its job and blocks on the signal.
    await Promise.all(
      all.map((h) =>
        eventually(
          async () => ((await h.query(geminiWaitsQuery)).waiting.length === 1 ? true : undefined),
          `${h.workflowId} to wait for its job`,
          60_000,
        ),
      ),
    );
    await Promise.all(all.map((h) => waitUntilBlocked(h)));

    assert.deepEqual(await deliveriesOf(system), [], 'no job has finished yet');

    await cluster.killNode(lost);
    const killedAt = Date.now();
    // Every job finishes now, so every webhook is sent while the node is gone; retries follow in real time.
    await system.emulator.control('POST', '/clock/advance', { ms: jobMs });
    // Down until every webhook has been sent and each one refused meanwhile has been retried once: the retries land on
    // the surviving node once it has taken the lost node's history shards, or wait for the restart.
    await eventually(
      async () => {
        const deliveries = await deliveriesOf(system);
        const settled = deliveries.filter((d) => d.status === 'delivered' || d.attempts.length >= 2).length;
        return (deliveries.length >= all.length && settled === deliveries.length) || undefined;
      },
      'every webhook to be sent, and retried once if refused, while the node is down',
      120_000,
    );
    await cluster.startNode(lost);
    t.diagnostic(`node ${lost + 1} was down for ${((Date.now() - killedAt) / 1000).toFixed(1)} s`);

    for (const [i, handle] of research.entries()) {
      const result = await handle.result();
      assert.equal(result.resolvedBy, 'webhook', `${handle.workflowId} was woken by its webhook, not by the backstop`);
      assert.equal(result.topic, `resilient topic ${i}`);
    }
    for (const handle of batches) {
      const result = (await handle.result()) as BatchSucceeded;
      assert.equal(result.state, 'succeeded');
      assert.equal(result.resolvedBy, 'webhook');
      assert.deepEqual(result.counts, { total: 3, succeeded: 3, failed: 0 });
    }
    for (const handle of all) {
      const events = await signaledEvents(handle);
      assert.equal(
        new Set(events.map((e) => e.webhookId)).size,
        1,
        `${handle.workflowId} got copies of one delivery only`,
      );
      const waits = await handle.query(geminiWaitsQuery);
      assert.equal(waits.resolved.length, 1, `${handle.workflowId} handled its event once`);
      assert.equal(waits.duplicatesIgnored, events.length - 1, `${handle.workflowId} dropped every extra copy`);
      assert.equal((await handle.describe()).status.name, 'COMPLETED');
    }

    const deliveries = await eventually(
      async () => {
        const all = await deliveriesOf(system);
        return all.every((d) => d.status === 'delivered') ? all : undefined;
      },
      'every delivery to be acknowledged',
      120_000,
    ).catch(async (err: Error) => {
      const open = (await deliveriesOf(system)).filter((d) => d.status !== 'delivered');
      throw new Error(`${err.message}: ${open.map((d) => `${d.eventType} ${d.status}`).join(', ')}`);
    });
    const refused = deliveries.flatMap((d) => d.attempts).filter((a) => a.outcome !== 'success');
    t.diagnostic(
      `${deliveries.length} deliveries, ${deliveries.flatMap((d) => d.attempts).length} attempts; not 2xx while the node ` +
        `was gone or its shards moved: ${refused.map((a) => a.statusCode ?? a.outcome).join(' ') || 'none'}`,
    );
    assert.deepEqual(await deadLettersOn(system.client, system.taskQueue), []);
  });
});
