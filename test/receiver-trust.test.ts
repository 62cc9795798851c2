import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { GoogleGenAI } from '@google/genai';
import type { Client, WorkflowHandle } from '@temporalio/client';
import * as routing from '../activities/routing';
import { type RunningEmulator, startEmulator } from '../emulator';
import { type ReceiverOptions, type RunningReceiver, startReceiver } from '../receiver/server';
import { mintRoutingToken, routingTokenField } from '../routing/token';
import { waitForGeminiJob } from '../workflows/wait-for-gemini-job';
import { eventually } from './helpers/eventually';
import { webhookWait } from './helpers/gemini-events';
import {
  currentRoutingKey,
  ownMetadata,
  previousRoutingKey,
  routingKeys,
  testLogger,
  workflowsOn,
} from './helpers/receiver';
import {
  connectClient,
  type RunningWorker,
  signalCount,
  startWorker,
  testNamespace,
  testServerAddress,
  uniqueTaskQueue,
  waitUntilBlocked,
} from './helpers/temporal';

const JOB_MS = 60_000;

/** The value of one sample line (`name{labels} value`) of a receiver's /metrics, 0 when absent. */
async function metric(receiver: RunningReceiver, sample: string): Promise<number> {
  const text = await (await fetch(`${receiver.opsUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line ? Number(line.slice(sample.length + 1)) : 0;
}

const untrusted = (outcome: string, token: string) =>
  `geminiflow_webhook_untrusted_deliveries_total{outcome="${outcome}",token="${token}"}`;

describe('receiver trust: per-request deliveries are routed by user_metadata only with a routing token', () => {
  let client: Client;
  let close: () => Promise<void>;
  let worker: RunningWorker;
  let emulator: RunningEmulator;
  let receiver: RunningReceiver;
  /** This deployment's Gemini project, and another customer's: the emulator signs both with the same keys. */
  let ours: GoogleGenAI;
  let stranger: GoogleGenAI;
  const handles: WorkflowHandle[] = [];

  const receiverFor = (extra: Partial<ReceiverOptions>) =>
    startReceiver({
      logger: testLogger,
      port: 0,
      opsPort: 0,
      jwksUrl: emulator.jwksUrl,
      routingKeys,
      temporal: { address: testServerAddress(), namespace: testNamespace(), taskQueue: worker.taskQueue },
      ...extra,
    });

  /** A waiting run of ours whose recorded resource id is not the job's: only a routing token can route to it. */
  async function unrecordedRun(workflowId: string) {
    const handle = await client.workflow.start(waitForGeminiJob, {
      taskQueue: worker.taskQueue,
      workflowId,
      args: webhookWait(`interactions/unrecorded-${randomUUID()}`),
    });
    handles.push(handle);
    await waitUntilBlocked(handle);
    return handle;
  }
  const ourWaitingRun = (name: string) => unrecordedRun(`trust-${name}-${randomUUID()}`);

  /** Jobs created through the emulator, then their minute passes; resolves with each job's delivery. */
  async function runJobs(ai: GoogleGenAI, uri: string, metadata: Record<string, unknown>[]) {
    const created = await Promise.all(
      metadata.map((user_metadata, i) =>
        ai.interactions.create({
          model: 'gemini-2.5-flash',
          input: `job ${i}`,
          background: true,
          webhook_config: { uris: [uri], user_metadata },
        }),
      ),
    );
    await emulator.control.clock.advance(JOB_MS);
    return Promise.all(
      created.map(async ({ id }) => (await emulator.control.waitForDeliveries({ resourceId: id! })).at(0)!),
    );
  }

  before(async () => {
    ({ client, close } = await connectClient());
    worker = await startWorker({ activities: routing });
    // Timestamps from the real clock, so the clock can advance job after job without staling deliveries.
    emulator = await startEmulator({
      dynamicSigning: 'v1a',
      webhookTimestampClock: 'real',
      durations: { interactionMs: JOB_MS },
    });
    ours = new GoogleGenAI({ apiKey: 'our-project-key', httpOptions: { baseUrl: emulator.baseUrl } });
    stranger = new GoogleGenAI({ apiKey: 'another-customer-key', httpOptions: { baseUrl: emulator.baseUrl } });
    receiver = await receiverFor({});
  });
  after(async () => {
    for (const handle of handles) await handle.terminate('test over').catch(() => undefined);
    await receiver?.stop();
    await emulator?.stop();
    await worker?.stop();
    await close?.();
  });

  /** Our job naming a run that waits for it, with the token minted by `key`. */
  async function ourJob(key = currentRoutingKey) {
    const workflowId = `trust-own-${randomUUID()}`;
    const job = await ours.interactions.create({
      model: 'gemini-2.5-flash',
      input: 'ours',
      background: true,
      webhook_config: { uris: [receiver.url], user_metadata: ownMetadata(workflowId, 'interaction', key) },
    });
    const handle = await unrecordedRun(workflowId);
    await emulator.control.clock.advance(JOB_MS);
    const [delivery] = await emulator.control.waitForDeliveries({ resourceId: job.id! });
    return { handle, delivery };
  }

  it('our job with a token of the current key is signaled to the run its user_metadata names', async () => {
    const { handle, delivery } = await ourJob();
    assert.deepEqual([delivery.scheme, delivery.attempts.map((a) => a.statusCode)], ['v1a', [200]]);
    await eventually(async () => (await signalCount(handle)) === 1 || undefined, 'the signal', 10_000);
    assert.equal(await signalCount(handle), 1);
  });

  it('across a routing-key rotation, a token minted with the previous key still routes', async () => {
    const { handle, delivery } = await ourJob(previousRoutingKey);
    assert.deepEqual(
      delivery.attempts.map((a) => a.statusCode),
      [200],
    );
    await eventually(async () => (await signalCount(handle)) === 1 || undefined, 'the signal', 10_000);
  });

  it('the stranger: validly v1a-signed deliveries naming our running run, without a valid token, signal nothing', async () => {
    const target = await ourWaitingRun('target');
    const other = await ourWaitingRun('other');
    const forgedKey = { id: currentRoutingKey.id, secret: randomBytes(32) };
    const naming = { temporal_workflow_id: target.workflowId };
    const cases = [
      { token: 'no routing token', metadata: naming },
      { token: 'malformed routing token', metadata: { ...naming, [routingTokenField]: 'v1.current.AAAA.extra' } },
      {
        token: 'routing token does not match the workflow',
        metadata: { ...naming, [routingTokenField]: mintRoutingToken(forgedKey, target.workflowId, 'interaction') },
      },
      {
        // A token captured from one of our own jobs vouches for its workflow only.
        token: 'routing token does not match the workflow',
        metadata: {
          ...naming,
          [routingTokenField]: mintRoutingToken(currentRoutingKey, other.workflowId, 'interaction'),
        },
      },
      {
        token: 'routing token does not match the workflow',
        metadata: { ...naming, [routingTokenField]: mintRoutingToken(currentRoutingKey, target.workflowId, 'batch') },
      },
      {
        token: 'routing token of an unknown key',
        metadata: {
          ...naming,
          [routingTokenField]: mintRoutingToken({ ...forgedKey, id: 'retired' }, target.workflowId, 'interaction'),
        },
      },
    ];
    const before = await Promise.all(cases.map((c) => metric(receiver, untrusted('held', c.token))));
    const deliveries = await runJobs(
      stranger,
      receiver.url,
      cases.map((c) => c.metadata),
    );
    for (const delivery of deliveries) {
      assert.deepEqual([delivery.scheme, delivery.attempts.map((a) => a.statusCode)], ['v1a', [200]], 'acknowledged');
    }
    assert.equal(await signalCount(target), 0, 'the named run was not signaled');
    assert.equal(await signalCount(other), 0);
    assert.equal((await target.describe()).status.name, 'RUNNING');
    const counted = await Promise.all(cases.map((c) => metric(receiver, untrusted('held', c.token))));
    const expected = new Map<string, number>();
    for (const [i, c] of cases.entries()) expected.set(c.token, (expected.get(c.token) ?? before[i]) + 1);
    for (const [i, c] of cases.entries()) assert.equal(counted[i], expected.get(c.token), `counted as ${c.token}`);
  });

  it('a flood from strangers stores no more than the budget (total, and rate), while our own jobs still land', async () => {
    const target = await ourWaitingRun('flooded');
    const naming = { temporal_workflow_id: target.workflowId };
    // Queues without a worker: whatever the receivers store stays open and countable.
    const totalQueue = uniqueTaskQueue('flood-total');
    const rateQueue = uniqueTaskQueue('flood-rate');
    const byTotal = await receiverFor({
      temporal: { address: testServerAddress(), namespace: testNamespace(), taskQueue: totalQueue },
      untrustedBudget: { perMinute: 1000, maxOpen: 3 },
    });
    const byRate = await receiverFor({
      temporal: { address: testServerAddress(), namespace: testNamespace(), taskQueue: rateQueue },
      untrustedBudget: { perMinute: 2, maxOpen: 1000 },
    });
    try {
      const flood = Array.from({ length: 8 }, () => naming);
      const [total, rate] = await Promise.all([
        runJobs(stranger, byTotal.url, flood),
        runJobs(stranger, byRate.url, flood.slice(0, 5)),
      ]);
      for (const delivery of [...total, ...rate]) {
        assert.deepEqual(
          delivery.attempts.map((a) => a.statusCode),
          [200],
          'acknowledged, so Gemini stops retrying',
        );
      }
      await eventually(
        async () => (await workflowsOn(client, totalQueue)) === 3 || undefined,
        'the budget used',
        20_000,
      );
      await eventually(async () => (await workflowsOn(client, rateQueue)) === 2 || undefined, 'the rate used', 20_000);
      assert.equal(await metric(byTotal, untrusted('dropped', 'no routing token')), 5);
      assert.equal(await metric(byRate, untrusted('dropped', 'no routing token')), 3);
      assert.equal(await signalCount(target), 0);

      // Our own job, through the spent receiver: trusted by its token, so the budget does not apply.
      const workflowId = `trust-own-flood-${randomUUID()}`;
      const handle = await unrecordedRun(workflowId);
      const [own] = await runJobs(ours, byTotal.url, [ownMetadata(workflowId)]);
      assert.deepEqual(
        own.attempts.map((a) => a.statusCode),
        [200],
      );
      await eventually(async () => (await signalCount(handle)) === 1 || undefined, 'our signal', 10_000);
      assert.equal(await workflowsOn(client, totalQueue), 3, 'still within the budget');
    } finally {
      await byTotal.stop();
      await byRate.stop();
    }
  });
});
