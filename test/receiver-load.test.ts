import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import * as routing from '../activities/routing';
import { GeminiResourceIds, type GeminiResourceRef } from '../contract';
import { type RunningReceiver, startReceiver } from '../receiver/server';
import { findOwner } from '../temporal/owner-lookup';
import type { WaitOptions } from '../workflows/wait-for-gemini-event';
import { waitForGeminiJob } from '../workflows/wait-for-gemini-job';
import { eventually } from './helpers/eventually';
import { noReconcile } from './helpers/gemini-events';
import { envelope, newSecret, nowSec, post, signV1, testLogger } from './helpers/receiver';
import { listenTcp, type TcpListening } from './helpers/tcp-listener';
import {
  connectClient,
  type RunningWorker,
  settledSignalCount,
  startWorker,
  testNamespace,
  testServerAddress,
  waitUntilBlocked,
} from './helpers/temporal';

const secret = newSecret();

function signed(payload: unknown, webhookId = `msg_${randomUUID()}`) {
  const body = JSON.stringify(payload);
  const ts = nowSec();
  const headers = {
    'webhook-id': webhookId,
    'webhook-timestamp': String(ts),
    'webhook-signature': signV1(secret, webhookId, ts, body),
  };
  return { webhookId, body, headers };
}

/**
 * A TCP proxy in front of Temporal that can hold everything a client sends: while paused, the receiver's calls to
 * Temporal are in flight and stay there, as they would on a server that is slow to answer.
 */
class HoldingProxy {
  private listening?: TcpListening;
  private readonly connections = new Set<{ upstream: net.Socket; pending: Buffer[] }>();
  private paused = false;
  private target = '';

  async start(target: string): Promise<string> {
    this.target = target;
    this.listening = await listenTcp((client) => this.relay(client));
    return this.listening.address;
  }

  private relay(client: net.Socket) {
    const [host, port] = this.target.split(':');
    const upstream = net.connect(Number(port), host);
    const conn = { upstream, pending: [] as Buffer[] };
    this.connections.add(conn);
    upstream.pipe(client);
    client.on('data', (chunk: Buffer) => {
      if (this.paused || conn.pending.length) conn.pending.push(chunk);
      else upstream.write(chunk);
    });
    const end = () => {
      this.connections.delete(conn);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  }

  pause() {
    this.paused = true;
  }

  resume() {
    this.paused = false;
    for (const conn of this.connections) for (const chunk of conn.pending.splice(0)) conn.upstream.write(chunk);
  }

  async stop() {
    for (const conn of this.connections) conn.upstream.destroy();
    await this.listening?.close();
  }
}

/** A run that takes every event about `resourceId` and keeps waiting (it waits for a video that never comes). */
const keepsWaiting = (resourceId: string): [GeminiResourceRef, WaitOptions] => [
  { kind: 'interaction', id: resourceId },
  { until: ['video.generated'], ...noReconcile },
];
const requiresAction = (resourceId: string, workflowId?: string) =>
  envelope('interaction.requires_action', resourceId, workflowId ? { temporal_workflow_id: workflowId } : undefined);

const metricValue = (text: string, line: string) => {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
};

describe('receiver under load', () => {
  let client: Client;
  let close: () => Promise<void>;
  let worker: RunningWorker;

  const park = async (name: string, resourceId: string, recorded = false) => {
    const handle = await client.workflow.start(waitForGeminiJob, {
      taskQueue: worker.taskQueue,
      workflowId: `load-${name}-${randomUUID()}`,
      args: keepsWaiting(resourceId),
      ...(recorded ? { typedSearchAttributes: [{ key: GeminiResourceIds, value: [resourceId] }] } : {}),
    });
    await waitUntilBlocked(handle);
    return handle;
  };

  before(async () => {
    ({ client, close } = await connectClient());
    worker = await startWorker({ activities: routing });
  });
  after(async () => {
    await worker?.stop();
    await close?.();
  });

  it('a full queue answers 503 with Retry-After at once, while deliveries with a place wait and then land', async () => {
    const proxy = new HoldingProxy();
    let connection: Connection | undefined;
    let receiver: RunningReceiver | undefined;
    try {
      connection = await Connection.connect({ address: await proxy.start(testServerAddress()) });
      const started = await startReceiver({
        client: new Client({ connection, namespace: testNamespace() }),
        logger: testLogger,
        port: 0,
        opsPort: 0,
        secrets: [secret],
        temporal: { taskQueue: worker.taskQueue },
        ackTimeoutMs: 60_000,
        admission: { maxInFlight: 1, maxQueued: 1, maxWaitMs: 50_000 },
      });
      receiver = started;
      const metrics = async () => (await fetch(`${started.opsUrl}/metrics`)).text();
      const resources = ['a', 'b', 'c'].map((n) => `interactions/adm-${n}-${randomUUID()}`);
      const [a, b, c] = await Promise.all(resources.map((r, i) => park(`admission-${i}`, r)));
      const deliveries = [a!, b!, c!].map((h, i) => signed(requiresAction(resources[i]!, h.workflowId)));
      proxy.pause();
      let firstAnswered = false;
      const first = post(receiver.url, deliveries[0]!.headers, deliveries[0]!.body).finally(
        () => (firstAnswered = true),
      );
      await eventually(
        async () => metricValue(await metrics(), 'geminiflow_webhook_in_flight') === 1 || undefined,
        'the first delivery in flight',
      );
      const second = post(receiver.url, deliveries[1]!.headers, deliveries[1]!.body);
      await eventually(
        async () => metricValue(await metrics(), 'geminiflow_webhook_queue_depth') === 1 || undefined,
        'the second delivery queued',
      );

      const refused = await fetch(receiver.url, {
        method: 'POST',
        headers: deliveries[2]!.headers,
        body: deliveries[2]!.body,
      });
      assert.equal(refused.status, 503);
      assert.deepEqual(await refused.json(), { error: 'receiver busy: queue full' });
      assert.match(refused.headers.get('retry-after') ?? '', /^[1-9]\d*$/, 'Retry-After in whole seconds');
      assert.equal(firstAnswered, false, 'the refusal did not wait for the delivery Temporal is holding');
      const health = await fetch(receiver.url.replace(/\/webhooks\/gemini$/, '/healthz'));
      assert.equal(health.status, 200, 'health checks are answered during the burst');
      assert.equal(await settledSignalCount(c!), 0, 'a refused delivery signals nothing');

      proxy.resume();
      const answers = await Promise.all([first, second]);
      assert.deepEqual(
        answers.map((r) => [r.status, JSON.parse(r.body)]),
        [
          [200, { outcome: 'signaled' }],
          [200, { outcome: 'signaled' }],
        ],
      );
      const retry = await post(receiver.url, deliveries[2]!.headers, deliveries[2]!.body);
      assert.deepEqual([retry.status, JSON.parse(retry.body)], [200, { outcome: 'signaled' }], 'the retry lands');
      for (const handle of [a!, b!, c!]) assert.equal(await settledSignalCount(handle), 1);

      const text = await metrics();
      assert.equal(metricValue(text, 'geminiflow_webhook_admission_refusals_total{reason="queue full"}'), 1);
      assert.equal(metricValue(text, 'geminiflow_webhook_queue_wait_seconds_count{ended="in time"}'), 1);
      assert.equal(metricValue(text, 'geminiflow_webhook_queue_depth'), 0);
      // Refused before verification: with no room, a refusal costs no cryptography.
      assert.equal(
        metricValue(text, 'geminiflow_webhook_deliveries_total{type="none",outcome="busy",scheme="none"}'),
        1,
      );
      await Promise.all([a!, b!, c!].map((h) => h.terminate('test over')));
    } finally {
      proxy.resume();
      await receiver?.stop();
      await connection?.close();
      await proxy.stop();
    }
  });

  it('copies of one delivery through two receivers land once: the webhook-id is the signal request id', async () => {
    const receivers: RunningReceiver[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        receivers.push(
          await startReceiver({
            logger: testLogger,
            port: 0,
            secrets: [secret],
            temporal: { address: testServerAddress(), namespace: testNamespace(), taskQueue: worker.taskQueue },
          }),
        );
      }
      const resourceId = `interactions/two-${randomUUID()}`;
      const owner = await park('two-receivers', resourceId);
      const d = signed(requiresAction(resourceId, owner.workflowId));
      // One after the other, so neither receiver's memory can know of the other's copy; then both at once.
      const answers = [];
      for (const r of receivers) answers.push(await post(r.url, d.headers, d.body));
      const e = signed(requiresAction(resourceId, owner.workflowId));
      answers.push(...(await Promise.all(receivers.map((r) => post(r.url, e.headers, e.body)))));
      assert.deepEqual(
        answers.map((a) => a.status),
        [200, 200, 200, 200],
      );
      assert.equal(
        await settledSignalCount(owner),
        2,
        'two deliveries, one signal each, whatever receivers they reached',
      );
      await owner.terminate('test over');
    } finally {
      for (const r of receivers) await r.stop();
    }
  });

  it('the owner found by a lookup is cached: the next delivery for the resource needs no visibility query', async () => {
    const receiver = await startReceiver({
      logger: testLogger,
      port: 0,
      opsPort: 0,
      secrets: [secret],
      temporal: { address: testServerAddress(), namespace: testNamespace(), taskQueue: worker.taskQueue },
    });
    const lookups = async (source: string) =>
      metricValue(
        await (await fetch(`${receiver.opsUrl}/metrics`)).text(),
        `geminiflow_webhook_owner_lookups_total{source="${source}"}`,
      );
    try {
      const resourceId = `interactions/cached-${randomUUID()}`;
      const owner = await park('cached', resourceId, true);
      await eventually(
        async () => (await findOwner(client, resourceId))?.running || undefined,
        'the owner in visibility',
      );
      for (let i = 0; i < 2; i++) {
        const d = signed(requiresAction(resourceId));
        const res = await post(receiver.url, d.headers, d.body);
        assert.deepEqual([res.status, JSON.parse(res.body)], [200, { outcome: 'signaled' }]);
      }
      assert.equal(await settledSignalCount(owner), 2);
      assert.deepEqual([await lookups('visibility'), await lookups('cache')], [1, 1]);

      // A cached owner that has closed is forgotten: the next delivery asks visibility again.
      await owner.terminate('test over');
      const late = signed(requiresAction(resourceId));
      const res = await post(receiver.url, late.headers, late.body);
      assert.deepEqual([res.status, JSON.parse(res.body)], [200, { outcome: 'dead_lettered' }]);
      assert.deepEqual([await lookups('visibility'), await lookups('cache')], [2, 1]);
    } finally {
      await receiver.stop();
    }
  });
});
