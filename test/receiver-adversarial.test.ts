import assert from 'node:assert/strict';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { exportSPKI } from 'jose';
import * as routing from '../activities/routing';
import { deadLetterWorkflowId, mailboxWorkflowId } from '../contract';
import { workflowStatus } from '../receiver/deliver';
import { type RunningReceiver, startReceiver } from '../receiver/server';
import { waitForGeminiJob } from '../workflows/wait-for-gemini-job';
import { webhookWait } from './helpers/gemini-events';
import {
  craftJwt,
  envelope,
  makeKeys,
  newSecret,
  nowSec,
  ownMetadata,
  post,
  routingKeys,
  serveJwks,
  sha256Hex,
  signJwt,
  signV1,
  signV1a,
  type TestKeys,
  testIssuer,
  testLogger,
} from './helpers/receiver';
import {
  connectClient,
  type RunningWorker,
  signalCount,
  startWorker,
  testNamespace,
  testServerAddress,
  waitUntilBlocked,
} from './helpers/temporal';

const AUDIENCE = 'https://receiver.example/webhooks/gemini';

interface Delivery {
  headers: Record<string, string | string[]>;
  body: string | Buffer;
  /** Set when the delivery is expected to leave a dead letter behind (acknowledged, never signaled). */
  deadLetter?: boolean;
}

describe('receiver: every refusal signals nothing', () => {
  let client: Client;
  let close: () => Promise<void>;
  let worker: RunningWorker;
  let receiver: RunningReceiver;
  let jwks: Awaited<ReturnType<typeof serveJwks>>;
  let keys: TestKeys;
  let target: WorkflowHandle;
  let closedTarget: WorkflowHandle;
  const current = newSecret();
  const previous = newSecret();
  const retired = newSecret();
  const resourceId = `interactions/adv-${randomUUID()}`;
  const closedResource = `interactions/closed-${randomUUID()}`;
  const meta = () => ownMetadata(target.workflowId);

  const id = () => `msg_${randomUUID()}`;
  const body = (type = 'interaction.completed', extra: Record<string, unknown> = {}) =>
    JSON.stringify(envelope(type, resourceId, meta(), extra));

  function v1(
    opts: {
      secret?: string;
      msgId?: string;
      ts?: number;
      payload?: string | Buffer;
      signedPayload?: string | Buffer;
    } = {},
  ): Delivery {
    const msgId = opts.msgId ?? id();
    const ts = opts.ts ?? nowSec();
    const payload = opts.payload ?? body();
    return {
      headers: {
        'webhook-id': msgId,
        'webhook-timestamp': String(ts),
        'webhook-signature': signV1(opts.secret ?? current, msgId, ts, opts.signedPayload ?? payload),
      },
      body: payload,
    };
  }

  function v1a(opts: { key?: number | 'stray'; ts?: number; payload?: string; signedPayload?: string } = {}): Delivery {
    const msgId = id();
    const ts = opts.ts ?? nowSec();
    const payload = opts.payload ?? body();
    const key = opts.key === 'stray' ? keys.strayEd25519 : keys.ed25519[opts.key ?? 1].privateKey;
    return {
      headers: {
        'webhook-id': msgId,
        'webhook-timestamp': String(ts),
        'webhook-signature': signV1a(key, msgId, ts, opts.signedPayload ?? payload),
      },
      body: payload,
    };
  }

  async function jwt(
    claims: (payload: string) => Record<string, unknown>,
    opts: Parameters<typeof signJwt>[2] & { key?: 'stray'; payload?: string } = {},
  ): Promise<Delivery> {
    const payload = opts.payload ?? body();
    const msgId = id();
    // Like Gemini's documented scheme (and the emulator), the token's jti is the delivery's id.
    const token = await signJwt(opts.key === 'stray' ? keys.strayRsa : keys.rsa.privateKey, claims(payload), {
      kid: keys.rsa.kid,
      audience: AUDIENCE,
      jti: msgId,
      ...opts,
    });
    return {
      headers: { 'webhook-id': msgId, 'webhook-timestamp': String(nowSec()), 'webhook-signature': token },
      body: payload,
    };
  }
  const bound = (payload: string) => ({ event: JSON.parse(payload), body_sha256: sha256Hex(payload) });

  const exists = async (workflowId: string) => (await workflowStatus(client, workflowId)) !== undefined;
  /** A workflow waiting for the first webhook event about `resource`. */
  const startWaiter = (name: string, resource: string) =>
    client.workflow.start(waitForGeminiJob, {
      taskQueue: worker.taskQueue,
      workflowId: `adv-${name}-${randomUUID()}`,
      args: webhookWait(resource),
    });

  async function assertNothingSignaled(delivery: Delivery) {
    assert.equal(await signalCount(target), 0, 'the target workflow must not have been signaled');
    assert.equal(await signalCount(closedTarget), 0, 'the closed workflow must not have been signaled');
    assert.equal(await exists(mailboxWorkflowId(resourceId)), false, 'no mailbox may hold the event');
    const webhookId = delivery.headers['webhook-id'];
    if (typeof webhookId === 'string') {
      assert.equal(await exists(deadLetterWorkflowId(webhookId)), delivery.deadLetter ?? false, 'dead letter presence');
    }
  }

  before(async () => {
    ({ client, close } = await connectClient());
    worker = await startWorker({ activities: routing });
    keys = makeKeys();
    jwks = await serveJwks(keys);
    receiver = await startReceiver({
      logger: testLogger,
      port: 0,
      secrets: [current, previous],
      jwksUrl: jwks.url,
      audience: AUDIENCE,
      issuer: testIssuer,
      routingKeys,
      temporal: { address: testServerAddress(), namespace: testNamespace(), taskQueue: worker.taskQueue },
    });
    target = await startWaiter('target', resourceId);
    closedTarget = await startWaiter('closed', closedResource);
    await closedTarget.terminate('closed before its event arrives');
    await waitUntilBlocked(target);
  });

  after(async () => {
    await target?.terminate('test over').catch(() => undefined);
    await receiver?.stop();
    await jwks?.close();
    await worker?.stop();
    await close?.();
  });

  const cases: [name: string, status: number, answer: string, build: () => Delivery | Promise<Delivery>][] = [
    // v1 (HMAC) signatures
    [
      'v1: forged signature',
      401,
      'no signature entry verified',
      () => ({
        ...v1(),
        headers: { ...v1().headers, 'webhook-signature': `v1,${randomBytes(32).toString('base64')}` },
      }),
    ],
    [
      'v1: truncated signature',
      400,
      'malformed webhook-signature',
      () => {
        const d = v1();
        return {
          ...d,
          headers: { ...d.headers, 'webhook-signature': (d.headers['webhook-signature'] as string).slice(0, 20) },
        };
      },
    ],
    [
      'v1: signature with the last byte flipped',
      401,
      'no signature entry verified',
      () => {
        const d = v1();
        const raw = Buffer.from((d.headers['webhook-signature'] as string).slice(3), 'base64');
        raw[31] ^= 1;
        return { ...d, headers: { ...d.headers, 'webhook-signature': `v1,${raw.toString('base64')}` } };
      },
    ],
    ['v1: wrong secret', 401, 'no signature entry verified', () => v1({ secret: newSecret() })],
    ['v1: secret retired by a rotation', 401, 'no signature entry verified', () => v1({ secret: retired })],
    [
      'v1: signature over the raw secret string instead of its base64-decoded key',
      401,
      'no signature entry verified',
      () => {
        const d = v1();
        const [msgId, ts] = [d.headers['webhook-id'], d.headers['webhook-timestamp']];
        const wrong = createHmac('sha256', current).update(`${msgId}.${ts}.${d.body}`).digest('base64');
        return { ...d, headers: { ...d.headers, 'webhook-signature': `v1,${wrong}` } };
      },
    ],
    ['v1: stale timestamp (6 minutes old)', 401, 'timestamp too old', () => v1({ ts: nowSec() - 360 })],
    ['v1: future timestamp (6 minutes ahead)', 401, 'timestamp too new', () => v1({ ts: nowSec() + 360 })],
    ['v1: timestamp in milliseconds', 400, 'malformed webhook-timestamp', () => v1({ ts: Date.now() })],
    [
      'v1: non-numeric timestamp',
      400,
      'malformed webhook-timestamp',
      () => ({ ...v1(), headers: { ...v1().headers, 'webhook-timestamp': 'yesterday' } }),
    ],
    [
      'v1: body changed after signing',
      401,
      'no signature entry verified',
      () => v1({ payload: body('interaction.failed'), signedPayload: body() }),
    ],
    [
      'v1: one byte of whitespace added after signing',
      401,
      'no signature entry verified',
      () => {
        const payload = body();
        return v1({ payload: `${payload} `, signedPayload: payload });
      },
    ],
    [
      'v1: webhook-id swapped after signing',
      401,
      'no signature entry verified',
      () => ({ ...v1(), headers: { ...v1().headers, 'webhook-id': id() } }),
    ],
    [
      'v1: timestamp changed after signing',
      401,
      'no signature entry verified',
      () => {
        const d = v1();
        return {
          ...d,
          headers: { ...d.headers, 'webhook-timestamp': String(Number(d.headers['webhook-timestamp']) - 1) },
        };
      },
    ],
    // Headers
    [
      'missing webhook-id',
      400,
      'missing webhook-id',
      () => {
        const { 'webhook-id': _, ...headers } = v1().headers;
        return { headers, body: body() };
      },
    ],
    [
      'missing webhook-timestamp',
      400,
      'missing webhook-timestamp',
      () => {
        const { 'webhook-timestamp': _, ...headers } = v1().headers;
        return { headers, body: body() };
      },
    ],
    [
      'missing webhook-signature',
      400,
      'missing webhook-signature',
      () => {
        const { 'webhook-signature': _, ...headers } = v1().headers;
        return { headers, body: body() };
      },
    ],
    [
      'empty webhook-signature',
      400,
      'missing webhook-signature',
      () => ({ ...v1(), headers: { ...v1().headers, 'webhook-signature': '' } }),
    ],
    [
      'duplicated webhook-signature header',
      400,
      'duplicated webhook-signature',
      () => {
        const d = v1();
        return {
          ...d,
          headers: {
            ...d.headers,
            'webhook-signature': [d.headers['webhook-signature'] as string, d.headers['webhook-signature'] as string],
          },
        };
      },
    ],
    [
      'duplicated webhook-id header',
      400,
      'duplicated webhook-id',
      () => {
        const d = v1();
        return { ...d, headers: { ...d.headers, 'webhook-id': [d.headers['webhook-id'] as string, id()] } };
      },
    ],
    [
      'duplicated webhook-timestamp header',
      400,
      'duplicated webhook-timestamp',
      () => {
        const d = v1();
        return {
          ...d,
          headers: { ...d.headers, 'webhook-timestamp': [d.headers['webhook-timestamp'] as string, String(nowSec())] },
        };
      },
    ],
    [
      'bad base64 in a v1 entry',
      400,
      'malformed webhook-signature',
      () => ({ ...v1(), headers: { ...v1().headers, 'webhook-signature': 'v1,@@not*base64@@' } }),
    ],
    [
      'only an unknown signature version',
      400,
      'no supported webhook-signature entry',
      () => ({
        ...v1(),
        headers: { ...v1().headers, 'webhook-signature': `v9,${randomBytes(32).toString('base64')}` },
      }),
    ],
    [
      'webhook-id with characters that are not allowed',
      400,
      'malformed webhook-id',
      () => ({ ...v1(), headers: { ...v1().headers, 'webhook-id': "msg_1' OR 1=1" } }),
    ],
    // Bodies
    [
      'oversized body (1 MiB + 1 byte)',
      413,
      'body too large',
      () => {
        const payload = JSON.stringify(
          envelope('interaction.completed', resourceId, meta(), { pad: 'x'.repeat(1024 * 1024) }),
        );
        return v1({ payload });
      },
    ],
    ['empty body', 400, 'not UTF-8 JSON', () => v1({ payload: '' })],
    ['non-JSON body', 400, 'not UTF-8 JSON', () => v1({ payload: 'type=interaction.completed&id=1' })],
    ['invalid UTF-8 body', 400, 'not UTF-8 JSON', () => v1({ payload: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) })],
    [
      'JSON array body',
      400,
      'envelope',
      () => v1({ payload: JSON.stringify([envelope('interaction.completed', resourceId, meta())]) }),
    ],
    [
      'envelope without type',
      400,
      'envelope type',
      () => v1({ payload: JSON.stringify({ version: 'v1', data: { id: resourceId, user_metadata: meta() } }) }),
    ],
    [
      'envelope without data',
      400,
      'envelope data',
      () => v1({ payload: JSON.stringify({ type: 'interaction.completed', user_metadata: meta() }) }),
    ],
    [
      'known type without data.id',
      400,
      'data.id',
      () => v1({ payload: JSON.stringify({ type: 'batch.failed', data: { user_metadata: meta() } }) }),
    ],
    [
      'type that is not a string',
      400,
      'envelope type',
      () => v1({ payload: JSON.stringify({ type: 7, data: { id: resourceId, user_metadata: meta() } }) }),
    ],
    [
      'data.id that is not a string',
      400,
      'envelope data.id',
      () => v1({ payload: JSON.stringify({ type: 'interaction.completed', data: { id: 42, user_metadata: meta() } }) }),
    ],
    // Verified, acknowledged, never signaled
    [
      'unknown event type (recorded as a dead letter)',
      200,
      'recorded_unknown',
      () => ({ ...v1({ payload: body('interaction.exploded') }), deadLetter: true }),
    ],
    [
      'webhook ping',
      200,
      '"ping"',
      () => v1({ payload: JSON.stringify({ type: 'webhook.ping', data: { id: 'wh123' } }) }),
    ],
    ['webhook ping without data', 200, '"ping"', () => v1({ payload: JSON.stringify({ type: 'webhook.ping' }) })],
    [
      'verified body nested 10,000 levels deep (kept as an excerpt, not a retried 503)',
      200,
      'dead_lettered',
      () => {
        const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
        const payload = `{"type":"interaction.completed","data":{"id":"${resourceId}","deep":${deep}}}`;
        return { ...v1({ payload }), deadLetter: true };
      },
    ],
    [
      'user_metadata with a lone UTF-16 surrogate in the workflow id (dead letter, not a retried 503)',
      200,
      'dead_lettered',
      () => ({
        ...v1({
          payload: JSON.stringify(
            envelope('interaction.completed', resourceId, { temporal_workflow_id: `${target.workflowId}\uD800` }),
          ),
        }),
        deadLetter: true,
      }),
    ],
    [
      'v1a: 170 signature entries (refused before any signature check)',
      400,
      'too many webhook-signature entries',
      () => {
        const d = v1a();
        const forged = Array.from({ length: 169 }, () => `v1a,${randomBytes(64).toString('base64')}`);
        return {
          ...d,
          headers: { ...d.headers, 'webhook-signature': [...forged, d.headers['webhook-signature']].join(' ') },
        };
      },
    ],
    [
      'webhook-signature header larger than the bound',
      400,
      'webhook-signature header too large',
      () => ({ ...v1(), headers: { ...v1().headers, 'webhook-signature': `v1,${'A'.repeat(9000)}` } }),
    ],
    [
      'unknown workflow in user_metadata (dead letter)',
      200,
      'dead_lettered',
      () => ({
        ...v1({
          payload: JSON.stringify(
            envelope('interaction.completed', resourceId, { temporal_workflow_id: `nobody-${randomUUID()}` }),
          ),
        }),
        deadLetter: true,
      }),
    ],
    [
      'closed workflow in user_metadata (dead letter)',
      200,
      'dead_lettered',
      () => ({
        ...v1({
          payload: JSON.stringify(
            envelope('interaction.completed', closedResource, { temporal_workflow_id: closedTarget.workflowId }),
          ),
        }),
        deadLetter: true,
      }),
    ],
    [
      'user_metadata naming a receiver-internal workflow (dead letter)',
      200,
      'dead_lettered',
      () => ({
        ...v1({
          payload: JSON.stringify(
            envelope('interaction.completed', resourceId, { temporal_workflow_id: mailboxWorkflowId(resourceId) }),
          ),
        }),
        deadLetter: true,
      }),
    ],
    [
      'user_metadata with an overlong workflow id (dead letter, not a retried 503)',
      200,
      'dead_lettered',
      () => ({
        ...v1({
          payload: JSON.stringify(
            envelope('interaction.completed', resourceId, { temporal_workflow_id: 'w'.repeat(300) }),
          ),
        }),
        deadLetter: true,
      }),
    ],
    // v1a (Ed25519)
    [
      'v1a: forged signature',
      401,
      'no signature entry verified',
      () => ({
        ...v1a(),
        headers: { ...v1a().headers, 'webhook-signature': `v1a,${randomBytes(64).toString('base64')}` },
      }),
    ],
    ['v1a: signed by a key that is not in the JWKS', 401, 'no signature entry verified', () => v1a({ key: 'stray' })],
    [
      'v1a: truncated signature',
      400,
      'malformed webhook-signature',
      () => {
        const d = v1a();
        return {
          ...d,
          headers: { ...d.headers, 'webhook-signature': (d.headers['webhook-signature'] as string).slice(0, 50) },
        };
      },
    ],
    [
      'v1a: body changed after signing',
      401,
      'no signature entry verified',
      () => v1a({ payload: body('interaction.failed'), signedPayload: body() }),
    ],
    ['v1a: stale timestamp', 401, 'timestamp too old', () => v1a({ ts: nowSec() - 600 })],
    [
      'v1a: bad base64',
      400,
      'malformed webhook-signature',
      () => ({ ...v1a(), headers: { ...v1a().headers, 'webhook-signature': 'v1a,%%%%' } }),
    ],
    // JWT (RS256)
    [
      'jwt: alg none',
      401,
      'jwt algorithm not allowed',
      () => {
        const payload = body();
        const { token } = craftJwt(
          { alg: 'none', typ: 'JWT' },
          { ...bound(payload), aud: AUDIENCE, exp: nowSec() + 300 },
        );
        return {
          headers: { 'webhook-id': id(), 'webhook-timestamp': String(nowSec()), 'webhook-signature': token },
          body: payload,
        };
      },
    ],
    [
      'jwt: HS256 signed with the RSA public key',
      401,
      'jwt algorithm not allowed',
      async () => {
        const payload = body();
        const pem = await exportSPKI(keys.rsa.publicKey);
        const { signingInput } = craftJwt(
          { alg: 'HS256', kid: keys.rsa.kid },
          { ...bound(payload), aud: AUDIENCE, exp: nowSec() + 300 },
        );
        const signature = createHmac('sha256', pem).update(signingInput).digest('base64url');
        return {
          headers: {
            'webhook-id': id(),
            'webhook-timestamp': String(nowSec()),
            'webhook-signature': `${signingInput}.${signature}`,
          },
          body: payload,
        };
      },
    ],
    ['jwt: unknown kid', 401, 'jwt key is not in the key set', () => jwt(bound, { kid: 'not-a-published-kid' })],
    ['jwt: published kid, different key', 401, 'jwt signature does not verify', () => jwt(bound, { key: 'stray' })],
    ['jwt: expired', 401, 'jwt expired', () => jwt(bound, { iat: nowSec() - 200, expiresIn: nowSec() - 100 })],
    ['jwt: no exp claim', 401, 'jwt exp claim rejected', () => jwt(bound, { expiresIn: null })],
    [
      'jwt: wrong audience',
      401,
      'jwt aud claim rejected',
      () => jwt(bound, { audience: 'https://someone-else.example/hook' }),
    ],
    [
      'jwt: signed an hour ago, under a fresh webhook-timestamp header',
      401,
      'jwt issued too long ago',
      () => jwt(bound, { iat: nowSec() - 3600, expiresIn: nowSec() + 300 }),
    ],
    ['jwt: wrong issuer', 401, 'jwt iss claim rejected', () => jwt(bound, { issuer: 'https://attacker.example' })],
    ['jwt: no issuer', 401, 'jwt iss claim rejected', () => jwt(bound, { issuer: null })],
    ['jwt: a jti no webhook-id may be', 401, 'jwt jti claim rejected', () => jwt(bound, { jti: 'two words' })],
    [
      'jwt: no audience claim',
      401,
      'jwt aud claim rejected',
      async () => {
        const payload = body();
        const token = await signJwt(keys.rsa.privateKey, bound(payload), { kid: keys.rsa.kid });
        return {
          headers: { 'webhook-id': id(), 'webhook-timestamp': String(nowSec()), 'webhook-signature': token },
          body: payload,
        };
      },
    ],
    [
      'jwt: body changed after signing (hash mismatch)',
      401,
      'body hash does not match',
      async () => {
        const d = await jwt(bound);
        return { ...d, body: body('interaction.failed') };
      },
    ],
    [
      'jwt: binds neither the body nor the event',
      401,
      'binds neither',
      () => jwt(() => ({ sub: 'interaction.completed' })),
    ],
    [
      'jwt: signature stripped',
      400,
      'malformed webhook-signature',
      async () => {
        const d = await jwt(bound);
        const token = (d.headers['webhook-signature'] as string).split('.').slice(0, 2).join('.');
        return { ...d, headers: { ...d.headers, 'webhook-signature': token } };
      },
    ],
    [
      'jwt: signature of another token',
      401,
      'jwt signature does not verify',
      async () => {
        const a = await jwt(bound);
        const b = await jwt(bound, { payload: body('interaction.failed') });
        const [h, p] = (a.headers['webhook-signature'] as string).split('.');
        const s = (b.headers['webhook-signature'] as string).split('.')[2];
        return { ...a, headers: { ...a.headers, 'webhook-signature': `${h}.${p}.${s}` } };
      },
    ],
  ];

  for (const [name, status, answer, build] of cases) {
    it(`${name} -> ${status}`, async () => {
      const delivery = await build();
      const res = await post(receiver.url, delivery.headers, delivery.body);
      assert.equal(res.status, status, `status for "${name}" (answer: ${res.body.slice(0, 200)})`);
      assert.ok(res.body.includes(answer), `answer for "${name}" should say ${answer}: ${res.body.slice(0, 200)}`);
      await assertNothingSignaled(delivery);
    });
  }

  /** The same builders, unbroken, must verify: otherwise the refusals above would prove nothing. */
  const accepted: [name: string, type: string, build: (payload: string) => Delivery | Promise<Delivery>][] = [
    ['v1 with the current secret', 'interaction.completed', (payload) => v1({ payload })],
    [
      'v1 with the previous secret (rotation grace)',
      'interaction.completed',
      (payload) => v1({ payload, secret: previous }),
    ],
    [
      'v1 with one entry per secret during a rotation',
      'interaction.completed',
      (payload) => {
        const d = v1({ payload });
        const again = signV1(
          previous,
          d.headers['webhook-id'] as string,
          Number(d.headers['webhook-timestamp']),
          payload,
        );
        return { ...d, headers: { ...d.headers, 'webhook-signature': `${d.headers['webhook-signature']} ${again}` } };
      },
    ],
    ['v1a with the first JWKS key', 'interaction.completed', (payload) => v1a({ payload, key: 0 })],
    ['v1a with the third JWKS key', 'interaction.completed', (payload) => v1a({ payload, key: 2 })],
    [
      'a forged v1 entry next to a valid v1a entry',
      'interaction.completed',
      (payload) => {
        const d = v1a({ payload });
        return {
          ...d,
          headers: {
            ...d.headers,
            'webhook-signature': `v1,${randomBytes(32).toString('base64')} ${d.headers['webhook-signature']}`,
          },
        };
      },
    ],
    ['jwt with the event and a body hash', 'interaction.completed', (payload) => jwt(bound, { payload })],
    [
      'batch.completed is normalised to batch.succeeded',
      'batch.succeeded',
      (payload) => v1({ payload: payload.replace('interaction.completed', 'batch.completed') }),
    ],
    [
      'interaction.canceled is normalised to interaction.cancelled',
      'interaction.cancelled',
      (payload) => v1({ payload: payload.replace('interaction.completed', 'INTERACTION.CANCELED') }),
    ],
  ];

  for (const [name, type, build] of accepted) {
    it(`accepted: ${name} -> 200, signaled once`, async () => {
      const resource = `interactions/ok-${randomUUID()}`;
      const handle = await startWaiter('ok', resource);
      const payload = JSON.stringify(envelope('interaction.completed', resource, ownMetadata(handle.workflowId)));
      const d = await build(payload);
      const res = await post(receiver.url, d.headers, d.body);
      assert.equal(res.status, 200, res.body);
      const { event } = await handle.result();
      assert.equal(event.type, type);
      assert.equal(event.resourceId, resource);
      assert.equal(event.webhookId, d.headers['webhook-id']);
      assert.equal(event.via, 'webhook');
      assert.equal('user_metadata' in event.data, false, 'user_metadata is routing data, not event data');
      assert.equal(await signalCount(handle), 1);
    });
  }

  it('jwt: only the signed event is trusted, not a body swapped under a token without a body hash', async () => {
    const resource = `interactions/claim-${randomUUID()}`;
    const [real, decoy] = await Promise.all(['claim', 'decoy'].map((n) => startWaiter(n, resource)));
    const signed = JSON.stringify(envelope('interaction.completed', resource, ownMetadata(real.workflowId)));
    const swapped = JSON.stringify(envelope('interaction.failed', resource, ownMetadata(decoy.workflowId)));
    const d = await jwt(() => ({ event: JSON.parse(signed) }), { payload: swapped });
    const res = await post(receiver.url, d.headers, d.body);
    assert.equal(res.status, 200, res.body);
    assert.equal((await real.result()).event.type, 'interaction.completed');
    assert.equal(await signalCount(decoy), 0, 'the unsigned body must not route anything');
    await decoy.terminate('test over');
  });

  it('has at least 40 cases', () => assert.ok(cases.length >= 40, `${cases.length} cases`));

  it('a replayed webhook-id is acknowledged and has one effect', async () => {
    const resource = `interactions/replayed-${randomUUID()}`;
    const handle = await startWaiter('replay', resource);
    const d = v1({
      payload: JSON.stringify(envelope('interaction.completed', resource, { temporal_workflow_id: handle.workflowId })),
    });
    const first = await post(receiver.url, d.headers, d.body);
    const again = await post(receiver.url, d.headers, d.body);
    // A retry with a fresh timestamp (and so a fresh signature) is still the same webhook-id.
    const ts = nowSec() + 1;
    const retry = await post(
      receiver.url,
      {
        ...d.headers,
        'webhook-timestamp': String(ts),
        'webhook-signature': signV1(current, d.headers['webhook-id'] as string, ts, d.body),
      },
      d.body,
    );
    assert.deepEqual([first.status, again.status, retry.status], [200, 200, 200]);
    assert.deepEqual(JSON.parse(again.body), { outcome: 'duplicate' });
    assert.equal((await handle.result()).event.webhookId, d.headers['webhook-id']);
    assert.equal(await signalCount(handle), 1);
  });

  it('jwt: a captured token replayed under a fresh webhook-id header is a duplicate, signaled once', async () => {
    const resource = `interactions/jwt-replay-${randomUUID()}`;
    const handle = await startWaiter('jwt-replay', resource);
    const payload = JSON.stringify(envelope('interaction.completed', resource, ownMetadata(handle.workflowId)));
    const d = await jwt(bound, { payload });
    const first = await post(receiver.url, d.headers, d.body);
    const replayed = await post(receiver.url, { ...d.headers, 'webhook-id': id() }, d.body);
    assert.deepEqual([first.status, replayed.status], [200, 200], `${first.body} ${replayed.body}`);
    assert.deepEqual(JSON.parse(first.body), { outcome: 'signaled' });
    assert.deepEqual(JSON.parse(replayed.body), { outcome: 'duplicate' });
    assert.equal((await handle.result()).event.webhookId, d.headers['webhook-id'], 'deduplicated on the signed jti');
    assert.equal(await signalCount(handle), 1);
  });

  it('jwt without jti (Google documents no claims): accepted once, its token is a duplicate under any webhook-id', async () => {
    const resource = `interactions/jwt-no-jti-${randomUUID()}`;
    const handle = await startWaiter('jwt-no-jti', resource);
    const payload = JSON.stringify(envelope('interaction.completed', resource, ownMetadata(handle.workflowId)));
    const d = await jwt(bound, { payload, jti: null });
    const first = await post(receiver.url, d.headers, d.body);
    assert.deepEqual([first.status, JSON.parse(first.body)], [200, { outcome: 'signaled' }], first.body);
    const { 'webhook-id': _id, ...withoutId } = d.headers;
    const copies = [
      { ...d.headers, 'webhook-id': id() }, // the captured token under a fresh webhook-id
      withoutId, // the captured token with no webhook-id at all
    ];
    for (const headers of copies) {
      const res = await post(receiver.url, headers, d.body);
      assert.deepEqual([res.status, JSON.parse(res.body)], [200, { outcome: 'duplicate' }], res.body);
    }
    // Gemini's own retry: the same delivery (webhook-id), signed afresh, so a different token.
    const retry = await jwt(bound, { payload, jti: null });
    const again = await post(receiver.url, { ...retry.headers, 'webhook-id': d.headers['webhook-id'] }, retry.body);
    assert.deepEqual([again.status, JSON.parse(again.body)], [200, { outcome: 'duplicate' }], again.body);
    const { event } = await handle.result();
    assert.equal(
      event.webhookId,
      d.headers['webhook-id'],
      'the delivery id is its webhook-id, the same for every copy',
    );
    assert.equal(await signalCount(handle), 1);
  });

  it('jwt without jti nor webhook-id: deduplicated on the token itself', async () => {
    const resource = `interactions/jwt-bare-${randomUUID()}`;
    const handle = await startWaiter('jwt-bare', resource);
    const payload = JSON.stringify(envelope('interaction.completed', resource, ownMetadata(handle.workflowId)));
    const d = await jwt(bound, { payload, jti: null });
    const headers = { 'webhook-signature': d.headers['webhook-signature'] as string };
    const answers = [await post(receiver.url, headers, d.body), await post(receiver.url, headers, d.body)];
    assert.deepEqual(
      answers.map((a) => JSON.parse(a.body)),
      [{ outcome: 'signaled' }, { outcome: 'duplicate' }],
    );
    assert.match((await handle.result()).event.webhookId, /^jwt_[A-Za-z0-9_-]{43}$/);
    assert.equal(await signalCount(handle), 1);
  });

  it('jwt with jti and a webhook-id header: both count as seen', async () => {
    const resource = `interactions/jwt-both-${randomUUID()}`;
    const handle = await startWaiter('jwt-both', resource);
    const payload = JSON.stringify(envelope('interaction.completed', resource, ownMetadata(handle.workflowId)));
    const d = await jwt(bound, { payload, jti: `jti_${randomUUID()}` });
    const first = await post(receiver.url, d.headers, d.body);
    assert.deepEqual(JSON.parse(first.body), { outcome: 'signaled' }, first.body);
    // Another token (its own jti) for the same delivery: the webhook-id header has been seen.
    const other = await jwt(bound, { payload, jti: `jti_${randomUUID()}` });
    const copy = await post(receiver.url, { ...other.headers, 'webhook-id': d.headers['webhook-id'] }, other.body);
    assert.deepEqual(JSON.parse(copy.body), { outcome: 'duplicate' }, copy.body);
    await handle.result();
    assert.equal(await signalCount(handle), 1);
  });

  it('no workflow was signaled by any refused delivery (final check)', async () => {
    assert.equal(await signalCount(target), 0);
    assert.equal((await target.describe()).status.name, 'RUNNING');
  });
});
