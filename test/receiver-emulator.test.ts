import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GoogleGenAI } from '@google/genai';
import type { Client } from '@temporalio/client';
import * as routing from '../activities/routing';
import { GeminiResourceIds } from '../contract';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../emulator';
import { type ReceiverOptions, type RunningReceiver, startReceiver } from '../receiver/server';
import { freePort, startDevServer } from '../testing/dev-server';
import { waitForGeminiJob } from '../workflows/wait-for-gemini-job';
import { webhookWait } from './helpers/gemini-events';
import { ownMetadata, routingKeys, testLogger } from './helpers/receiver';
import {
  connectClient,
  type RunningWorker,
  signalCount,
  startWorker,
  testNamespace,
  testServerAddress,
  testTmpDir,
  waitUntilBlocked,
} from './helpers/temporal';

// Jobs take a minute of emulator time; the test advances the clock once its workflow waits, so the event cannot outrun
// the workflow. Emulator time also stamps webhook-timestamp, so every test keeps its total advance well under 5 minutes.
const JOB_MS = 60_000;

type WebhookConfig = { uris?: string[]; user_metadata: Record<string, unknown> };

/**
 * Lets the emulator's retries of one resource's delivery come due (5 s, 10 s, 20 s ... of emulator time apart) until
 * it is delivered or the steps reach `maxStepMs`; returns the delivery as it then stands.
 */
async function advanceUntilDelivered(emulator: RunningEmulator, resourceId: string, maxStepMs: number) {
  let [delivery] = emulator.control.inspect.deliveries({ resourceId });
  for (let step = 5_000; step <= maxStepMs && delivery.status !== 'delivered'; step *= 2) {
    await emulator.control.clock.advance(step);
    [delivery] = emulator.control.inspect.deliveries({ resourceId });
  }
  return delivery;
}

/** Whether the receiver's /metrics shows `sample` (a whole `name{labels} value` line). */
async function hasMetric(receiver: RunningReceiver, sample: string): Promise<boolean> {
  const text = await (await fetch(`${receiver.opsUrl}/metrics`)).text();
  return text.split('\n').includes(sample);
}

describe('receiver with the emulator: events produced through the real SDK reach the right workflow once', () => {
  let client: Client;
  let close: () => Promise<void>;
  let worker: RunningWorker;
  const stops: (() => Promise<void>)[] = [];

  before(async () => {
    ({ client, close } = await connectClient());
    worker = await startWorker({ activities: routing });
  });
  after(async () => {
    for (const stop of stops.reverse()) await stop();
    await worker?.stop();
    await close?.();
  });

  /** An emulator and the port its receiver will listen on; `start` starts that receiver (again, after a stop). */
  async function setUp(emulatorOptions: EmulatorOptions) {
    const emulator = await startEmulator({ durations: { interactionMs: JOB_MS }, ...emulatorOptions });
    stops.push(() => emulator.stop());
    const ai = new GoogleGenAI({ apiKey: 'test-key', httpOptions: { baseUrl: emulator.baseUrl } });
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/webhooks/gemini`;
    const start = async (extra: Partial<ReceiverOptions> = {}) => {
      const receiver = await startReceiver({
        logger: testLogger,
        port,
        secrets: [],
        jwksUrl: emulator.jwksUrl,
        audience: url,
        routingKeys,
        opsPort: 0,
        temporal: { address: testServerAddress(), namespace: testNamespace(), taskQueue: worker.taskQueue },
        ...extra,
      });
      stops.push(() => receiver.stop());
      assert.equal(receiver.url, url);
      return receiver;
    };
    return { emulator, ai, url, start };
  }

  /** A background interaction whose events name `workflowId`, and that workflow, started and waiting for them. */
  async function startJob(ai: GoogleGenAI, webhookConfig: WebhookConfig, workflowId: string, input = 'hello receiver') {
    const created = await ai.interactions.create({
      model: 'gemini-2.5-flash',
      input,
      background: true,
      webhook_config: webhookConfig,
    });
    const handle = await client.workflow.start(waitForGeminiJob, {
      taskQueue: worker.taskQueue,
      workflowId,
      args: webhookWait(created.id),
    });
    await waitUntilBlocked(handle);
    return { created, handle };
  }

  /** startJob, then the job's minute passes and its interaction.completed is delivered. */
  async function runJob(emulator: RunningEmulator, ai: GoogleGenAI, webhookConfig: WebhookConfig, workflowId: string) {
    const { created, handle } = await startJob(ai, webhookConfig, workflowId);
    await emulator.control.clock.advance(JOB_MS);
    const [delivery] = await emulator.control.waitForDeliveries({
      resourceId: created.id,
      eventType: 'interaction.completed',
    });
    return { created, handle, delivery };
  }

  // The three ways a delivery is signed: v1 (a registered webhook's secret), v1a and JWT (per-request webhooks).
  const schemes = [
    { name: 'registered webhook, v1 HMAC', signing: 'v1a', scheme: 'v1', registered: true },
    { name: 'per-request webhook, v1a Ed25519', signing: 'v1a', scheme: 'v1a', registered: false },
    {
      name: 'per-request webhook, RS256 JWT with the audience checked',
      signing: 'jwt',
      scheme: 'jwt',
      registered: false,
    },
  ] as const;
  for (const { name, signing, scheme, registered } of schemes) {
    it(name, async () => {
      const { emulator, ai, url, start } = await setUp({ dynamicSigning: signing });
      const workflowId = `emu-${scheme}-${randomUUID()}`;
      const user_metadata = ownMetadata(workflowId);
      let receiver: RunningReceiver;
      if (registered) {
        const webhook = await ai.webhooks.create({ uri: url, subscribed_events: ['interaction.completed'] });
        receiver = await start({ secrets: [webhook.new_signing_secret!] });
      } else {
        receiver = await start();
      }
      const webhookConfig = registered ? { user_metadata } : { uris: [url], user_metadata };
      const { created, handle, delivery } = await runJob(emulator, ai, webhookConfig, workflowId);

      assert.equal(delivery.scheme, scheme);
      assert.deepEqual(
        delivery.attempts.map((a) => a.statusCode),
        [200],
      );
      const { event } = await handle.result();
      assert.deepEqual(
        [event.type, event.resourceId, event.webhookId, event.via],
        ['interaction.completed', created.id, delivery.webhookId, 'webhook'],
      );
      assert.equal(await signalCount(handle), 1);
      const signaled = `geminiflow_webhook_deliveries_total{type="interaction.completed",outcome="signaled",scheme="${scheme}"} 1`;
      assert.ok(await hasMetric(receiver, signaled), signaled);
    });
  }

  it('secret rotation: the receiver accepts either entry during the grace period, and a retry once the new secret is configured', async () => {
    const { emulator, ai, url, start } = await setUp({ dynamicSigning: 'v1a' });
    const webhook = await ai.webhooks.create({ uri: url, subscribed_events: ['interaction.completed'] });
    const { secret: second } = await ai.webhooks.rotateSigningSecret(webhook.id!, {});

    // Grace period: every delivery carries one v1 entry per unexpired secret; knowing only the new one is enough.
    let receiver = await start({ secrets: [second!] });
    const firstId = `emu-rot-a-${randomUUID()}`;
    const first = await runJob(emulator, ai, { user_metadata: { temporal_workflow_id: firstId } }, firstId);
    assert.equal(first.delivery.attempts[0].headers['webhook-signature'].split(' ').length, 2);
    assert.deepEqual(
      first.delivery.attempts.map((a) => a.statusCode),
      [200],
    );
    assert.equal((await first.handle.result()).event.webhookId, first.delivery.webhookId);

    // Immediate revocation: the receiver does not know the third secret yet, so it refuses (401) until it does.
    const { secret: third } = await ai.webhooks.rotateSigningSecret(webhook.id!, {
      revocation_behavior: 'revoke_previous_secrets_immediately',
    });
    const secondId = `emu-rot-b-${randomUUID()}`;
    const { created, handle } = await startJob(
      ai,
      { user_metadata: { temporal_workflow_id: secondId } },
      secondId,
      'after the rotation',
    );
    await emulator.control.clock.advance(JOB_MS);
    const [refused] = emulator.control.inspect.deliveries({ resourceId: created.id });
    assert.deepEqual(
      refused.attempts.map((a) => a.statusCode),
      [401],
    );
    assert.equal(await signalCount(handle), 0);

    await receiver.stop();
    receiver = await start({ secrets: [second!, third!] });
    const delivery = await advanceUntilDelivered(emulator, created.id, 40_000);
    // A retry may first meet the old receiver's closed keep-alive socket (a network error), as it would in production.
    const outcomes = delivery.attempts.map((a) => a.statusCode ?? a.outcome);
    assert.equal(outcomes[0], 401);
    assert.equal(outcomes.at(-1), 200, `attempts: ${outcomes.join(',')}`);
    assert.ok(
      outcomes.slice(1, -1).every((o) => o === 'network_error'),
      `attempts: ${outcomes.join(',')}`,
    );
    assert.equal((await handle.result()).event.webhookId, delivery.webhookId);
    assert.equal(await signalCount(handle), 1);
  });

  it('emulator faults: duplicated sends have one effect; a stale timestamp is refused and its retry lands', async () => {
    const { emulator, ai, url, start } = await setUp({ dynamicSigning: 'v1a' });
    await start();
    const meta = (id: string) => ({ uris: [url], user_metadata: ownMetadata(id) });

    emulator.control.faults.addDeliveryFault({ kind: 'duplicate', copies: 2, count: 1 });
    const dupId = `emu-dup-${randomUUID()}`;
    const dup = await runJob(emulator, ai, meta(dupId), dupId);
    await emulator.control.idle();
    const [sent] = emulator.control.inspect.deliveries({ resourceId: dup.created.id });
    assert.deepEqual(
      sent.attempts.map((a) => a.statusCode),
      [200, 200, 200],
      'the original and two copies',
    );
    await dup.handle.result();
    assert.equal(await signalCount(dup.handle), 1);

    emulator.control.faults.addDeliveryFault({ kind: 'stale_timestamp', count: 1, staleSeconds: 600 });
    const staleId = `emu-stale-${randomUUID()}`;
    const { created, handle } = await startJob(ai, meta(staleId), staleId, 'stale');
    await emulator.control.clock.advance(JOB_MS);
    assert.deepEqual(
      emulator.control.inspect.deliveries({ resourceId: created.id })[0].attempts.map((a) => a.statusCode),
      [401],
    );
    assert.equal(await signalCount(handle), 0);
    await emulator.control.clock.advance(5_000);
    const [retried] = emulator.control.inspect.deliveries({ resourceId: created.id });
    assert.deepEqual(
      retried.attempts.map((a) => a.statusCode),
      [401, 200],
    );
    await handle.result();
    assert.equal(await signalCount(handle), 1);
  });

  it('judges timestamps by the clock it is given, so emulator time can run hours ahead (v1 and JWT)', async () => {
    const hours = 2 * 60 * 60 * 1000;
    const { emulator, ai, url, start } = await setUp({ dynamicSigning: 'jwt', durations: { interactionMs: hours } });
    const webhook = await ai.webhooks.create({ uri: url, subscribed_events: ['interaction.completed'] });
    await start({ secrets: [webhook.new_signing_secret!], now: () => emulator.control.clock.now().now });

    const jobs = await Promise.all(
      [{}, { uris: [url] }].map(async (target, i) => {
        const workflowId = `emu-clock-${i}-${randomUUID()}`;
        const webhookConfig = { ...target, user_metadata: ownMetadata(workflowId) };
        return startJob(ai, webhookConfig, workflowId, `two hours ${i}`);
      }),
    );
    await emulator.control.clock.advance(hours);
    for (const { created, handle } of jobs) {
      const [delivery] = await emulator.control.waitForDeliveries({ resourceId: created.id });
      assert.ok(
        Number(delivery.attempts[0].headers['webhook-timestamp']) > Date.now() / 1000 + 3600,
        'stamped in emulator time',
      );
      assert.deepEqual(
        delivery.attempts.map((a) => a.statusCode),
        [200],
      );
      assert.equal((await handle.result()).event.webhookId, delivery.webhookId);
    }
    assert.deepEqual(
      jobs.map(({ created }) => emulator.control.inspect.deliveries({ resourceId: created.id })[0].scheme),
      ['v1', 'jwt'],
    );
  });

  it('a registered webhook without user_metadata is routed through the owner search attribute', async () => {
    const { emulator, ai, url, start } = await setUp({ echoUserMetadataToRegisteredWebhooks: false });
    const webhook = await ai.webhooks.create({ uri: url, subscribed_events: ['interaction.completed'] });
    await start({ secrets: [webhook.new_signing_secret!] });

    const created = await ai.interactions.create({ model: 'gemini-2.5-flash', input: 'who owns me', background: true });
    // The event outruns its owner: nothing has recorded the id when it arrives.
    await emulator.control.clock.advance(JOB_MS);
    const [delivery] = await emulator.control.waitForDeliveries({ resourceId: created.id });
    assert.deepEqual(
      delivery.attempts.map((a) => a.statusCode),
      [200],
    );
    assert.equal(JSON.parse(delivery.body).user_metadata, undefined);

    const owner = await client.workflow.start(waitForGeminiJob, {
      taskQueue: worker.taskQueue,
      workflowId: `emu-owner-${randomUUID()}`,
      args: webhookWait(created.id),
      typedSearchAttributes: [{ key: GeminiResourceIds, value: [created.id] }],
    });
    const { event } = await owner.result();
    assert.deepEqual([event.webhookId, event.via], [delivery.webhookId, 'mailbox']);
    assert.equal(await signalCount(owner), 1);
  });
});

describe('receiver with the emulator: Temporal down', () => {
  it('answers 503 while Temporal is down; the emulator retries after the restart and the event lands exactly once', async () => {
    const dbFilename = path.join(testTmpDir(), 'receiver-outage.db');
    let server = await startDevServer({ dbFilename });
    const temporalPort = Number(server.address.split(':')[1]);
    const worker = await startWorker({ address: server.address, activities: routing });
    const emulator = await startEmulator({ dynamicSigning: 'v1a', durations: { interactionMs: JOB_MS } });
    const ai = new GoogleGenAI({ apiKey: 'test-key', httpOptions: { baseUrl: emulator.baseUrl } });
    const receiver = await startReceiver({
      logger: testLogger,
      port: 0,
      secrets: [],
      jwksUrl: emulator.jwksUrl,
      routingKeys,
      temporal: { address: server.address, namespace: testNamespace(), taskQueue: worker.taskQueue },
      ackTimeoutMs: 2000,
    });
    let { client, close } = await connectClient(server.address);
    try {
      const workflowId = `emu-outage-${randomUUID()}`;
      const created = await ai.interactions.create({
        model: 'gemini-2.5-flash',
        input: 'survive the outage',
        background: true,
        webhook_config: { uris: [receiver.url], user_metadata: ownMetadata(workflowId) },
      });
      const handle = await client.workflow.start(waitForGeminiJob, {
        taskQueue: worker.taskQueue,
        workflowId,
        args: webhookWait(created.id),
      });
      await waitUntilBlocked(handle);
      await close();

      await server.stop();
      await emulator.control.clock.advance(JOB_MS);
      const [first] = emulator.control.inspect.deliveries({ resourceId: created.id });
      assert.deepEqual(
        first.attempts.map((a) => a.statusCode),
        [503],
        'Temporal down: 503 so Gemini retries',
      );
      assert.equal(first.status, 'pending');

      server = await startDevServer({ dbFilename, port: temporalPort });
      // The receiver's connection recovers by itself.
      const delivered = await advanceUntilDelivered(emulator, created.id, 80_000);
      const codes = delivered.attempts.map((a) => a.statusCode);
      assert.equal(delivered.status, 'delivered', `attempts: ${codes.join(',')}`);
      assert.equal(codes.at(-1), 200);
      assert.ok(
        codes.slice(0, -1).every((c) => c === 503),
        `attempts: ${codes.join(',')}`,
      );

      ({ client, close } = await connectClient(server.address));
      const resumed = client.workflow.getHandle<typeof waitForGeminiJob>(workflowId);
      const { event } = await resumed.result();
      assert.deepEqual([event.resourceId, event.webhookId], [created.id, delivered.webhookId]);
      assert.equal(await signalCount(resumed), 1, 'exactly once');
    } finally {
      await close().catch(() => undefined);
      await receiver.stop();
      await emulator.stop();
      await worker.stop();
      await server.stop();
    }
  });
});
