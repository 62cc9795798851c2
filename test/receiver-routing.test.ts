import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import express from 'express';
import { geminiflowConfigFromEnv } from '../activities/config';
import * as routing from '../activities/routing';
import { SetupError } from '../common/errors';
import { projectRoot } from '../common/paths';
import type { DeadLetterRecord } from '../contract';
import { deadLetterWorkflowId, GeminiResourceIds, geminiEventSignal, mailboxWorkflowId } from '../contract';
import { createReceiver, ReceiverOptionsError } from '../receiver';
import { receiverConfigFromEnv } from '../receiver/config';
import { type RunningReceiver, startReceiver } from '../receiver/server';
import { findOwner } from '../temporal/owner-lookup';
import { freePort } from '../testing/dev-server';
import { geminiMailbox } from '../workflows/routing/mailbox';
import { waitForGeminiJob } from '../workflows/wait-for-gemini-job';
import { eventually } from './helpers/eventually';
import { geminiEvent, noReconcile, webhookWait } from './helpers/gemini-events';
import { envelope, newSecret, nowSec, post, signV1, testLogger } from './helpers/receiver';
import {
  connectClient,
  type RunningWorker,
  settledSignalCount,
  signalCount,
  startWorker,
  testNamespace,
  testServerAddress,
} from './helpers/temporal';

const secret = newSecret();
const opsToken = randomUUID();

function signed(payload: unknown, webhookId = `msg_${randomUUID()}`) {
  const body = JSON.stringify(payload);
  const ts = nowSec();
  return {
    webhookId,
    body,
    headers: {
      'webhook-id': webhookId,
      'webhook-timestamp': String(ts),
      'webhook-signature': signV1(secret, webhookId, ts, body),
    },
  };
}

function deadLettersCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const res = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(projectRoot, 'example', 'cli.ts'), 'deadletters', ...args],
    {
      cwd: projectRoot,
      env: { ...process.env, LOG_LEVEL: 'warn' },
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe('receiver: routing, holding and dead letters', () => {
  let client: Client;
  let close: () => Promise<void>;
  let worker: RunningWorker;
  let receiver: RunningReceiver;

  const startOwner = (resourceId: string, recorded = true) =>
    client.workflow.start(waitForGeminiJob, {
      taskQueue: worker.taskQueue,
      workflowId: `owner-${randomUUID()}`,
      args: webhookWait(resourceId),
      ...(recorded ? { typedSearchAttributes: [{ key: GeminiResourceIds, value: [resourceId] }] } : {}),
    });

  /** The owner as the receiver's own lookup sees it, once visibility has caught up. */
  const visibleOwner = (resourceId: string, running: boolean) =>
    eventually(
      async () => {
        const owner = await findOwner(client, resourceId);
        return owner?.running === running ? owner : undefined;
      },
      `${running ? 'running' : 'closed'} owner of ${resourceId} in visibility`,
      20_000,
    );

  before(async () => {
    ({ client, close } = await connectClient());
    worker = await startWorker({ activities: routing });
    receiver = await startReceiver({
      logger: testLogger,
      port: 0,
      secrets: [secret],
      temporal: { address: testServerAddress(), namespace: testNamespace(), taskQueue: worker.taskQueue },
      mailboxLookupTimeoutMs: 4000,
      mailboxLingerTimeoutMs: 1000,
      opsPort: 0,
      opsToken: opsToken,
    });
  });
  after(async () => {
    await receiver?.stop();
    await worker?.stop();
    await close?.();
  });

  it('without user_metadata, finds the owner by the GeminiResourceIds search attribute', async () => {
    const resourceId = `batches/owned-${randomUUID()}`;
    const owner = await startOwner(resourceId);
    await visibleOwner(resourceId, true);
    const d = signed(envelope('batch.succeeded', resourceId, undefined, { output_file_uri: 'files/out' }));
    const res = await post(receiver.url, d.headers, d.body);
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(JSON.parse(res.body), { outcome: 'signaled' });
    const { event } = await owner.result();
    assert.deepEqual([event.type, event.via, event.data.output_file_uri], ['batch.succeeded', 'webhook', 'files/out']);
  });

  it('holds an event that outran its owner in a mailbox, which forwards it once the owner records the id', async () => {
    const resourceId = `interactions/early-${randomUUID()}`;
    const d = signed(envelope('interaction.completed', resourceId));
    const res = await post(receiver.url, d.headers, d.body);
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(JSON.parse(res.body), { outcome: 'held' });
    const again = await post(receiver.url, d.headers, d.body);
    assert.deepEqual(JSON.parse(again.body), { outcome: 'duplicate' });

    const owner = await startOwner(resourceId);
    const { event } = await owner.result();
    assert.deepEqual([event.webhookId, event.via], [d.webhookId, 'mailbox']);
    assert.equal(await signalCount(owner), 1);
    const mailbox = await client.workflow.getHandle(mailboxWorkflowId(resourceId)).result();
    assert.deepEqual(
      { forwarded: mailbox.forwarded, deadLettered: mailbox.deadLettered },
      { forwarded: 1, deadLettered: 0 },
    );
  });

  it("a mailbox continues as new before Temporal's per-run limits, and forwards every event it held", async () => {
    const resourceId = `interactions/flood-${randomUUID()}`;
    const owner = await client.workflow.start(waitForGeminiJob, {
      taskQueue: worker.taskQueue,
      workflowId: `owner-${randomUUID()}`,
      // An owner that takes every event and goes on waiting (for a video that never comes).
      args: [
        { kind: 'interaction', id: resourceId },
        { until: ['video.generated'], ...noReconcile },
      ],
      typedSearchAttributes: [{ key: GeminiResourceIds, value: [resourceId] }],
    });
    const events = Array.from({ length: 60 }, () => geminiEvent(resourceId, { type: 'interaction.requires_action' }));
    // As the receiver holds events, with a threshold low enough that 60 events pass it several times over.
    const input = { resourceId, lookupTimeoutMs: 30_000, lingerTimeoutMs: 1000, continueAsNewAfterEvents: 30 };
    let firstRunId: string | undefined;
    for (const event of events) {
      const handle = await client.workflow.signalWithStart(geminiMailbox, {
        workflowId: mailboxWorkflowId(resourceId),
        taskQueue: worker.taskQueue,
        args: [input],
        signal: geminiEventSignal,
        signalArgs: [event],
      });
      firstRunId ??= handle.signaledRunId;
    }
    const mailbox = client.workflow.getHandle(mailboxWorkflowId(resourceId));
    const result = await mailbox.result();
    assert.deepEqual(
      { forwarded: result.forwarded, deadLettered: result.deadLettered, held: result.held },
      { forwarded: 60, deadLettered: 0, held: 0 },
    );
    const firstRun = await client.workflow.getHandle(mailboxWorkflowId(resourceId), firstRunId).fetchHistory();
    assert.ok(
      firstRun.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes,
      'the first run continued as new',
    );
    assert.equal(await settledSignalCount(owner), 60, 'every held event reached the owner once');
    await owner.terminate('test over');
  });

  it('an owner that never appears: the mailbox gives up into a dead letter, which the CLI lists and replays', async () => {
    const resourceId = `interactions/orphan-${randomUUID()}`;
    const d = signed(envelope('interaction.requires_action', resourceId));
    assert.equal((await post(receiver.url, d.headers, d.body)).status, 200);

    const letter = client.workflow.getHandle(deadLetterWorkflowId(d.webhookId));
    const description = await eventually(() => letter.describe().catch(() => undefined), 'the dead letter', 30_000);
    const record = description.memo?.record as DeadLetterRecord;
    assert.deepEqual(
      [record.reason, record.resourceId, record.eventType],
      ['owner_not_found', resourceId, 'interaction.requires_action'],
    );

    const listed = deadLettersCli(['list', '--json', '--reason', 'owner_not_found']);
    assert.equal(listed.status, 0, listed.stderr);
    const rows = JSON.parse(listed.stdout) as { webhookId: string; state: string }[];
    assert.ok(
      rows.some((r) => r.webhookId === d.webhookId && r.state === 'pending'),
      listed.stdout,
    );

    const table = deadLettersCli(['list', '--type', 'interaction.requires_action']);
    assert.equal(table.status, 0, table.stderr);
    const line = table.stdout.split('\n').find((l) => l.startsWith(d.webhookId));
    assert.ok(line?.includes('owner_not_found') && line.endsWith('pending'), table.stdout);

    const refused = deadLettersCli(['replay', d.webhookId]);
    assert.notEqual(refused.status, 0, 'no owner and no --to: replay must refuse');
    assert.match(refused.stderr, /pass --to/);

    const adopter = await startOwner(resourceId, false);
    const replayed = deadLettersCli(['replay', d.webhookId, '--to', adopter.workflowId]);
    assert.equal(replayed.status, 0, replayed.stderr);
    const { event } = await adopter.result();
    assert.deepEqual([event.webhookId, event.via], [d.webhookId, 'replay']);
    const done = await letter.result();
    assert.equal(done.replayed?.to, adopter.workflowId);
  });

  it('an event for a resource whose owner has closed is a dead letter, answered 2xx', async () => {
    const resourceId = `batches/gone-${randomUUID()}`;
    const owner = await startOwner(resourceId);
    await owner.terminate('finished before its event');
    await visibleOwner(resourceId, false);
    const d = signed(envelope('batch.expired', resourceId));
    const res = await post(receiver.url, d.headers, d.body);
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(JSON.parse(res.body), { outcome: 'dead_lettered' });
    const record = (await client.workflow.getHandle(deadLetterWorkflowId(d.webhookId)).describe()).memo
      ?.record as DeadLetterRecord;
    assert.deepEqual([record.reason, record.targetWorkflowId], ['workflow_closed', owner.workflowId]);
  });

  it('an event for a run that has completed is late, not lost: answered 2xx, and no dead letter is kept', async () => {
    const resourceId = `interactions/video-${randomUUID()}`;
    const owner = await startOwner(resourceId, false);
    const first = signed(envelope('interaction.completed', resourceId, { temporal_workflow_id: owner.workflowId }));
    assert.equal((await post(receiver.url, first.headers, first.body)).status, 200);
    await owner.result();
    const second = signed(envelope('video.generated', resourceId, { temporal_workflow_id: owner.workflowId }));
    const res = await post(receiver.url, second.headers, second.body);
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(JSON.parse(res.body), { outcome: 'late' });
    await assert.rejects(client.workflow.getHandle(deadLetterWorkflowId(second.webhookId)).describe(), /not found/i);
  });

  it('concurrent copies of one delivery cause one signal', async () => {
    const resourceId = `interactions/burst-${randomUUID()}`;
    const owner = await startOwner(resourceId, false);
    const d = signed(envelope('interaction.completed', resourceId, { temporal_workflow_id: owner.workflowId }));
    const answers = await Promise.all(Array.from({ length: 8 }, () => post(receiver.url, d.headers, d.body)));
    assert.deepEqual(
      answers.map((a) => a.status),
      Array(8).fill(200),
    );
    await owner.result();
    assert.equal(await signalCount(owner), 1);
  });

  it('answers 503 when Temporal has not accepted within the bound, and the retry lands once', async () => {
    const slow = await startReceiver({
      logger: testLogger,
      port: 0,
      secrets: [secret],
      temporal: { address: testServerAddress(), namespace: testNamespace(), taskQueue: worker.taskQueue },
      ackTimeoutMs: 1,
    });
    try {
      const resourceId = `interactions/slow-${randomUUID()}`;
      const owner = await startOwner(resourceId, false);
      const d = signed(envelope('interaction.completed', resourceId, { temporal_workflow_id: owner.workflowId }));
      const first = await post(slow.url, d.headers, d.body);
      assert.equal(first.status, 503, first.body);
      assert.match(first.body, /within 1 ms/);
      const retry = await post(receiver.url, d.headers, d.body);
      assert.equal(retry.status, 200, retry.body);
      await owner.result();
      assert.equal(await signalCount(owner), 1, 'the late first attempt and the retry are one event to the workflow');
    } finally {
      await slow.stop();
    }
  });

  it('answers 503 (and /readyz 503) when Temporal is unreachable; /healthz stays 200', async () => {
    const nowhere = await startReceiver({
      logger: testLogger,
      port: 0,
      secrets: [secret],
      temporal: { address: `127.0.0.1:${await freePort()}`, namespace: 'default', taskQueue: worker.taskQueue },
      ackTimeoutMs: 1500,
      opsPort: 0,
    });
    try {
      const d = signed(envelope('interaction.completed', 'interactions/x', { temporal_workflow_id: 'anything' }));
      const started = Date.now();
      const res = await post(nowhere.url, d.headers, d.body);
      assert.equal(res.status, 503, res.body);
      assert.ok(Date.now() - started < 5000, 'the answer is bounded');
      const base = nowhere.url.replace(/\/webhooks\/gemini$/, '');
      assert.equal((await fetch(`${base}/readyz`)).status, 503);
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      assert.equal((await fetch(`${nowhere.opsUrl}/readyz`)).status, 503);
    } finally {
      await nowhere.stop();
    }
  });

  it('/metrics and readiness details are for operators only: the ops port, or the public port with the token', async () => {
    const base = receiver.url.replace(/\/webhooks\/gemini$/, '');
    const publicReady = await fetch(`${base}/readyz`);
    assert.equal(publicReady.status, 200);
    assert.deepEqual(await publicReady.json(), { ok: true }, 'no details on the public port');
    assert.equal((await fetch(`${base}/metrics`)).status, 404, 'no metrics for strangers');
    const wrong = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${randomUUID()}` } });
    assert.equal(wrong.status, 404);
    const withToken = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${opsToken}` } });
    assert.equal(withToken.status, 200);
    assert.match(await withToken.text(), /geminiflow_webhook_deliveries_total/);
    const ready = await fetch(`${receiver.opsUrl}/readyz`);
    assert.deepEqual([ready.status, await ready.json()], [200, { ok: true, temporal: 'reachable' }]);
    const text = await (await fetch(`${receiver.opsUrl}/metrics`)).text();
    assert.match(
      text,
      /geminiflow_webhook_deliveries_total\{type="batch.succeeded",outcome="signaled",scheme="v1"\} 1/,
    );
    assert.match(
      text,
      /geminiflow_webhook_deliveries_total\{type="interaction.completed",outcome="held",scheme="v1"\} 1/,
    );
    assert.match(text, /geminiflow_webhook_verification_seconds_count\{scheme="v1"\}/);
    assert.match(text, /geminiflow_webhook_signal_seconds_count\{outcome="signaled"\}/);
  });
});

describe('receiver: as a library, mounted in your own server with your own client', () => {
  it('routes a delivery through the handler createReceiver returns, mounted in Express as it is', async () => {
    const { client, close } = await connectClient();
    const worker = await startWorker({ activities: routing });
    const receiver = await createReceiver({
      logger: testLogger,
      client,
      secrets: [secret],
      path: '/hooks/gemini',
      opsToken,
      temporal: { taskQueue: worker.taskQueue },
    });
    const app = express();
    app.use('/inbound', receiver.handler);
    app.use('/operations', receiver.opsHandler);
    // What the receiver does not serve goes on to the app's own routes, then to Express's 404.
    app.get('/inbound/mine', (_req, res) => void res.send('the app'));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const url = `${base}/inbound/hooks/gemini`;
      const resourceId = `interactions/mounted-${randomUUID()}`;
      const owner = await client.workflow.start(waitForGeminiJob, {
        taskQueue: worker.taskQueue,
        workflowId: `mounted-${randomUUID()}`,
        args: webhookWait(resourceId),
      });
      const d = signed(envelope('interaction.completed', resourceId, { temporal_workflow_id: owner.workflowId }));
      const res = await post(url, d.headers, d.body);
      assert.deepEqual([res.status, JSON.parse(res.body)], [200, { outcome: 'signaled' }]);
      assert.equal((await owner.result()).event.webhookId, d.webhookId);
      assert.equal(await receiver.ready(), true);

      const get = async (route: string, headers: Record<string, string> = {}) => {
        const r = await fetch(`${base}${route}`, { headers });
        return [r.status, await r.text()] as const;
      };
      assert.deepEqual(await get('/inbound/healthz'), [200, '{"ok":true}']);
      assert.deepEqual(await get('/inbound/readyz'), [200, '{"ok":true}'], 'the public readiness is a bare status');
      assert.equal((await get('/inbound/hooks/gemini'))[0], 405);
      assert.deepEqual(await get('/inbound/mine'), [200, 'the app']);
      assert.equal((await get('/inbound/metrics'))[0], 404, 'no metrics on the public route without the token');
      const withToken = await get('/inbound/metrics', { authorization: `Bearer ${opsToken}` });
      assert.match(
        withToken[1],
        /geminiflow_webhook_deliveries_total\{type="interaction.completed",outcome="signaled"/,
      );
      const metrics = await get('/operations/metrics');
      assert.equal(metrics[0], 200);
      assert.match(metrics[1], /geminiflow_webhook_deliveries_total\{type="interaction.completed",outcome="signaled"/);
      assert.deepEqual(await get('/operations/readyz'), [200, '{"ok":true,"temporal":"reachable"}']);
      assert.equal((await get('/operations/status'))[0], 200);
      assert.equal((await get('/operations/nothing'))[0], 404);
    } finally {
      server.close();
      await receiver.close();
      await worker.stop();
      await close();
    }
  });

  it('refuses bad options by name', async () => {
    await assert.rejects(
      createReceiver({ secrets: [], temporal: { taskQueue: '' }, ackTimeoutMs: -1, opsToken: 'short' }),
      (err: Error) =>
        err instanceof ReceiverOptionsError &&
        ['temporal.taskQueue', 'temporal.address', 'ackTimeoutMs', 'opsToken'].every((name) =>
          err.message.includes(name),
        ),
    );
    await assert.rejects(
      createReceiver({ routingKeys: 'k:short', temporal: { address: 'x:1', taskQueue: 'q' } }),
      /routingKeys: routing key "k": the secret must decode to at least 16 bytes/,
    );
  });

  it('keeps an event too large to signal as a cut dead letter, answered 2xx', async () => {
    const { client, close } = await connectClient();
    const taskQueue = `too-large-${randomUUID()}`;
    const receiver = await startReceiver({
      logger: testLogger,
      port: 0,
      secrets: [secret],
      maxEventBytes: 2048,
      temporal: { address: testServerAddress(), namespace: testNamespace(), taskQueue },
    });
    try {
      const d = signed(
        envelope('batch.succeeded', `batches/big-${randomUUID()}`, undefined, { pad: 'x'.repeat(4096) }),
      );
      const res = await post(receiver.url, d.headers, d.body);
      assert.deepEqual([res.status, JSON.parse(res.body)], [200, { outcome: 'dead_lettered' }]);
      const record = (await client.workflow.getHandle(deadLetterWorkflowId(d.webhookId)).describe()).memo
        ?.record as DeadLetterRecord;
      assert.equal(record.reason, 'too_large');
    } finally {
      await receiver.stop();
      await close();
    }
  });
});

describe('receiver: configuration from the environment', () => {
  // Every receiver started from the environment has routing keys, or says `none` explicitly.
  const keyed = { GEMINIFLOW_ROUTING_KEYS: `env:${Buffer.alloc(32, 3).toString('base64')}` };

  it('applies the documented defaults', () => {
    const config = receiverConfigFromEnv({ ...keyed, GEMINI_WEBHOOK_SECRETS: `${secret}, ${newSecret()}` });
    assert.equal(config.port, 8789);
    assert.deepEqual(config.admission, { maxInFlight: 32, maxQueued: 256 }, 'the wait bound follows the ack bound');
    assert.equal(config.secrets?.length, 2);
    assert.equal(config.jwksUrl, 'https://generativelanguage.googleapis.com/.well-known/jwks.json');
    assert.equal(config.ackTimeoutMs, 2000);
    assert.equal(config.maxBodyBytes, 1024 * 1024);
    const { connectionOptions, ...temporal } = config.temporal;
    assert.deepEqual(temporal, { address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'geminiflow' });
    assert.equal(connectionOptions?.tls, undefined);
  });

  it('treats empty variables (docker compose `${VAR:-}`) as unset', () => {
    const config = receiverConfigFromEnv({
      ...keyed,
      GEMINI_JWKS_URL: '',
      GEMINI_WEBHOOK_AUDIENCE: '',
      GEMINI_WEBHOOK_SECRETS: '',
    });
    assert.equal(config.jwksUrl, 'https://generativelanguage.googleapis.com/.well-known/jwks.json');
    assert.equal(config.audience, undefined);
    assert.deepEqual(config.secrets, []);
  });

  it('refuses bad settings with a clear message that does not echo secrets', () => {
    const badSecret = 'whsec_@@@not-base64-but-secret@@@';
    assert.throws(
      () => receiverConfigFromEnv({ ...keyed, GEMINI_WEBHOOK_SECRETS: badSecret }),
      (err: Error) =>
        err instanceof SetupError &&
        /GEMINI_WEBHOOK_SECRETS/.test(err.message) &&
        !err.message.includes('not-base64-but-secret'),
    );
    assert.throws(() => receiverConfigFromEnv({ RECEIVER_PORT: 'eighty' }), /RECEIVER_PORT/);
    assert.throws(() => receiverConfigFromEnv({ GEMINI_JWKS_URL: 'ftp://x' }), /GEMINI_JWKS_URL/);
    assert.throws(() => receiverConfigFromEnv({ RECEIVER_OPS_PORT: '-1' }), /RECEIVER_OPS_PORT/);
    assert.throws(() => receiverConfigFromEnv({ GEMINI_WEBHOOK_AUDIENCE: 'not a url' }), /GEMINI_WEBHOOK_AUDIENCE/);
    const leaked = 'c2VjcmV0LXRoYXQtaXMtdG9vLXNob3J0';
    assert.throws(
      () => receiverConfigFromEnv({ GEMINIFLOW_ROUTING_KEYS: `k1:${leaked.slice(0, 8)}` }),
      (err: Error) =>
        err instanceof SetupError &&
        /GEMINIFLOW_ROUTING_KEYS/.test(err.message) &&
        !err.message.includes(leaked.slice(0, 8)),
    );
    assert.throws(() => receiverConfigFromEnv({ GEMINIFLOW_ROUTING_KEYS: 'no-colon' }), /GEMINIFLOW_ROUTING_KEYS/);
    assert.throws(
      () => receiverConfigFromEnv({ ...keyed, RECEIVER_ACK_TIMEOUT_MS: '500', RECEIVER_MAX_QUEUE_WAIT_MS: '500' }),
      /RECEIVER_MAX_QUEUE_WAIT_MS: must be below RECEIVER_ACK_TIMEOUT_MS/,
    );
  });

  it('refuses to start without routing keys unless told to run without them, and says what that costs', () => {
    for (const unset of [{}, { GEMINIFLOW_ROUTING_KEYS: '' }]) {
      assert.throws(
        () => receiverConfigFromEnv(unset),
        (err: Error) =>
          err instanceof SetupError &&
          /GEMINIFLOW_ROUTING_KEYS is not set/.test(err.message) &&
          /GEMINIFLOW_ROUTING_KEYS=none/.test(err.message) &&
          /visibility query/.test(err.message),
      );
    }
    assert.deepEqual(receiverConfigFromEnv({ GEMINIFLOW_ROUTING_KEYS: 'none' }).routingKeys, []);

    // The worker too, when its jobs send per-request webhooks; with registered webhooks only, it needs none.
    const worker = {
      GEMINI_EMULATOR_URL: 'http://127.0.0.1:1',
      GEMINIFLOW_WEBHOOK_URL: 'https://hooks.example/gemini',
    };
    assert.throws(() => geminiflowConfigFromEnv(worker), /GEMINIFLOW_ROUTING_KEYS is not set.*=none/s);
    assert.equal(geminiflowConfigFromEnv({ ...worker, GEMINIFLOW_ROUTING_KEYS: 'none' }).routingKey, undefined);
    assert.equal(geminiflowConfigFromEnv({ ...worker, ...keyed }).routingKey?.id, 'env');
    assert.equal(geminiflowConfigFromEnv({ GEMINI_EMULATOR_URL: 'http://127.0.0.1:1' }).routingKey, undefined);
  });

  it('reads routing keys, the operations port, the audience switch and the untrusted budget', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const config = receiverConfigFromEnv({
      GEMINIFLOW_ROUTING_KEYS: `new:${key}, old:${key}`,
      RECEIVER_OPS_PORT: '9100',
      GEMINI_WEBHOOK_AUDIENCE: 'disabled',
      GEMINI_WEBHOOK_ISSUERS: 'https://a.example https://b.example',
      RECEIVER_UNTRUSTED_PER_MINUTE: '5',
      RECEIVER_UNTRUSTED_MAX_OPEN: '50',
    });
    assert.deepEqual(
      (config.routingKeys as readonly { id: string }[]).map((k) => k.id),
      ['new', 'old'],
    );
    assert.deepEqual(
      [config.opsPort, config.audience, config.issuer, config.untrustedBudget],
      [9100, false, ['https://a.example', 'https://b.example'], { perMinute: 5, maxOpen: 50 }],
    );
    assert.equal(receiverConfigFromEnv(keyed).opsPort, 8788, 'metrics are on their own port by default');
    const bounds = receiverConfigFromEnv({
      ...keyed,
      RECEIVER_MAX_IN_FLIGHT: '8',
      RECEIVER_MAX_QUEUED: '0',
      RECEIVER_MAX_QUEUE_WAIT_MS: '250',
    }).admission;
    assert.deepEqual(bounds, { maxInFlight: 8, maxQueued: 0, maxWaitMs: 250 });
  });
});
