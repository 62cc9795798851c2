import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { GeminiEvent } from '../contract';
import { type RunningEmulator, startEmulator } from '../emulator';
import { type RunningReceiver, startReceiver } from '../receiver';
import { listDeadLetters } from '../temporal/dead-letters';
import { deepResearch, geminiWaitsQuery } from '../workflows';
import { RoundRobinBalancer } from './helpers/balancer';
import { eventually } from './helpers/eventually';
import { spawnWorkerProcess } from './helpers/processes';
import { testLogger } from './helpers/receiver';
import {
  connectClient,
  signalCount,
  testNamespace,
  testServerAddress,
  testTmpDir,
  uniqueTaskQueue,
} from './helpers/temporal';

describe('scaling out: two receivers behind a load balancer and two workers on one server', () => {
  const taskQueue = uniqueTaskQueue('scale');
  let emulator: RunningEmulator;
  let receivers: RunningReceiver[];
  let balancer: RoundRobinBalancer;
  let workers: ReturnType<typeof spawnWorkerProcess>[];
  let client: Client;
  let closeClient: () => Promise<void>;

  before(async () => {
    emulator = await startEmulator({ timeScale: 1, durations: { deepResearchMs: 300 } });
    // Shared by every receiver and worker, as in production: jobs carry tokens, so events route by user_metadata.
    const routingKeys = `scale:${randomBytes(32).toString('base64')}`;
    receivers = await Promise.all(
      [0, 1].map(() =>
        startReceiver({
          port: 0,
          secrets: [],
          jwksUrl: emulator.jwksUrl,
          routingKeys,
          temporal: { address: testServerAddress(), namespace: testNamespace(), taskQueue },
          logger: testLogger,
        }),
      ),
    );
    balancer = new RoundRobinBalancer(receivers.map((r) => r.url));
    const webhookUrl = await balancer.start();
    const dir = testTmpDir();
    workers = [0, 1].map(() =>
      spawnWorkerProcess({
        TEMPORAL_ADDRESS: testServerAddress(),
        TEMPORAL_NAMESPACE: testNamespace(),
        TEMPORAL_TASK_QUEUE: taskQueue,
        GEMINI_EMULATOR_URL: emulator.baseUrl,
        GEMINIFLOW_WEBHOOK_URL: webhookUrl,
        GEMINIFLOW_ROUTING_KEYS: routingKeys,
        GEMINIFLOW_OUTPUT_DIR: path.join(dir, 'output'),
        GEMINIFLOW_PUBLISH_DIR: path.join(dir, 'published'),
      }),
    );
    ({ client, close: closeClient } = await connectClient());
    // Both worker processes poll the one task queue before any work is started.
    await eventually(
      async () => {
        const { pollers } = await client.workflowService.describeTaskQueue({
          namespace: testNamespace(),
          taskQueue: { name: taskQueue },
          taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        });
        return new Set(pollers?.map((p) => p.identity)).size >= 2 || undefined;
      },
      'two worker processes polling',
      60_000,
    );
  });

  after(async () => {
    await Promise.all(workers.map((w) => w.kill()));
    await balancer.stop();
    await Promise.all(receivers.map((r) => r.stop()));
    await emulator.stop();
    await closeClient();
  });

  it('every event lands exactly once, whichever receiver takes it and however often', {
    timeout: 180_000,
  }, async () => {
    const runs = 8;
    const handles = await Promise.all(
      Array.from({ length: runs }, (_, i) =>
        client.workflow.start(deepResearch, {
          taskQueue,
          workflowId: `scale-${i}-${randomUUID()}`,
          args: [{ topic: `scaling topic ${i}`, reconcileAfter: '1 hour' }],
        }),
      ),
    );
    const results = await Promise.all(handles.map((h) => h.result()));

    for (const [i, result] of results.entries()) {
      assert.equal(result.resolvedBy, 'webhook', `run ${i} was woken by its webhook, not by the backstop`);
      assert.equal(result.topic, `scaling topic ${i}`);
    }
    assert.equal(balancer.forwarded.length, runs, 'one delivery per job reached the balancer');
    for (const backend of [0, 1]) {
      assert.ok(
        balancer.forwarded.some((f) => f.backends[0] === backend),
        `receiver ${backend} took deliveries`,
      );
    }
    const copied = balancer.forwarded.filter((f) => f.backends.length === 2).map((f) => f.webhookId);
    assert.equal(copied.length, runs / 2);

    for (const handle of handles) {
      const waits = await handle.query(geminiWaitsQuery);
      assert.equal(waits.resolved.length, 1, `${handle.workflowId} handled its event once`);
      const history = await handle.fetchHistory();
      const signaled = (history.events ?? [])
        .map((e) => e.workflowExecutionSignaledEventAttributes?.input?.payloads?.[0])
        .filter((p) => p !== undefined)
        .map((p) => defaultPayloadConverter.fromPayload<GeminiEvent>(p).webhookId);
      assert.equal(new Set(signaled).size, 1, `${handle.workflowId} was only ever signaled copies of one delivery`);
      // A copy that reached the run while it waited was dropped by the run itself; one that came after it completed
      // is answered as late (nothing is lost, nothing runs twice). Either way it had no second effect.
      assert.equal(waits.duplicatesIgnored, signaled.length - 1, `${handle.workflowId} dropped every copy it got`);
    }
    const outcomes = balancer.forwarded.flatMap((f) => f.outcomes);
    assert.deepEqual(
      outcomes.filter((o) => !['signaled', 'duplicate', 'late'].includes(o)),
      [],
      'every copy was answered 2xx and either signaled, shared with an in-flight copy, or late',
    );
    const copiesSeen = handles.length + copied.length;
    // A copy that reached the other receiver carries the same signal request id (the delivery's id), so Temporal
    // drops it: however many receivers answered "signaled", each delivery is one signal in its run's history.
    const signaled = (await Promise.all(handles.map((h) => signalCount(h)))).reduce((a, b) => a + b, 0);
    assert.equal(signaled, runs, 'each delivery is one signal in history, whichever receivers signaled it');
    assert.ok(outcomes.filter((o) => o === 'signaled').length >= runs);
    assert.equal(outcomes.length, copiesSeen, 'every copy is accounted for');
    const ours = new Set(balancer.forwarded.map((f) => f.webhookId));
    const deadLetters = (await listDeadLetters(client)).filter((d) => ours.has(d.record.webhookId));
    assert.deepEqual(deadLetters, [], 'no copy of a routable event became a dead letter');
  });
});
