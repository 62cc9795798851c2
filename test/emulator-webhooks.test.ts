import assert from 'node:assert/strict';
import type http from 'node:http';
import { describe, it } from 'node:test';
import { type Listening, listen } from '../common/listen';
import { webhookEventTypes } from '../contract';
import type { CapturedRequest } from '../emulator';
import {
  type EmulatorFixture,
  emulatorFixture,
  fetchJwks,
  hour,
  verifyJwt,
  verifyV1,
  verifyV1a,
} from './helpers/emulator';

type Envelope = {
  type: string;
  version: string;
  timestamp: string;
  data: Record<string, unknown>;
  user_metadata?: unknown;
};

const weatherTool = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Weather for a place',
  parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
};

/** Verifies (v1, against emulator time now) every request the listener got since `from`; returns their envelopes. */
async function drainV1(f: EmulatorFixture, secret: string, from: number): Promise<Envelope[]> {
  await f.emu.control.idle();
  return f.listener.received.slice(from).map((req) => verifyV1(secret, req, f.now()) as Envelope);
}

describe('emulator webhooks: registered (Standard Webhooks v1)', () => {
  it('delivers all nine event types, each verified by the standardwebhooks package', async () => {
    const f = await emulatorFixture();
    try {
      const { ai, emu } = f;
      emu.control.model.addBatchRule({
        match: { displayName: 'doomed' },
        fail: { code: 'INTERNAL', message: 'scripted' },
      });
      emu.control.model.addBatchRule({ match: { displayName: 'slow' }, durationMs: 50 * hour });
      const wh = await ai.webhooks.create({ uri: f.listener.url, subscribed_events: [...webhookEventTypes] });
      const secret = wh.new_signing_secret!;
      assert.match(secret, /^whsec_[A-Za-z0-9+/]+=*$/);
      const model = 'gemini-2.5-flash';

      const completed = await ai.interactions.create({ model, input: 'hello', background: true });
      const needsTool = await ai.interactions.create({ model, input: 'weather in Oslo', tools: [weatherTool] });
      const failed = await ai.interactions.create({ model, input: 'please [[fail model exploded]]', background: true });
      const cancelled = await ai.interactions.create({ model, input: 'cancel me', background: true });
      await ai.interactions.cancel(cancelled.id);
      const video = await ai.interactions.create({
        model: 'gemini-omni-1.1-flash',
        input: 'a cat',
        response_format: { type: 'video', delivery: 'uri' },
        background: true,
      });
      const src = [{ contents: [{ parts: [{ text: 'hi' }], role: 'user' }], metadata: { key: 'k1' } }];
      const okBatch = await ai.batches.create({ model, src: src as never, config: { displayName: 'fine' } });
      const badBatch = await ai.batches.create({ model, src: src as never, config: { displayName: 'doomed' } });
      const slowBatch = await ai.batches.create({ model, src: src as never, config: { displayName: 'slow' } });
      const cancelledBatch = await ai.batches.create({ model, src: src as never, config: { displayName: 'stop' } });
      await ai.batches.cancel({ name: cancelledBatch.name! });

      await emu.control.clock.advance(61_000);
      const early = await drainV1(f, secret, 0);
      await emu.control.clock.advance(48 * hour);
      const late = await drainV1(f, secret, early.length);
      const events = [...early, ...late];

      const byType = new Map(events.map((e) => [e.type, e]));
      assert.deepEqual([...byType.keys()].sort(), [...webhookEventTypes].sort());
      for (const e of events) {
        assert.equal(e.version, 'v1');
        assert.ok(!Number.isNaN(Date.parse(e.timestamp)));
      }
      assert.equal(byType.get('interaction.requires_action')!.data.id, needsTool.id);
      assert.equal(byType.get('interaction.failed')!.data.id, failed.id);
      assert.equal(byType.get('interaction.failed')!.data.error_message, 'model exploded');
      assert.equal(byType.get('interaction.cancelled')!.data.id, cancelled.id);
      const completedIds = events.filter((e) => e.type === 'interaction.completed').map((e) => e.data.id);
      assert.deepEqual(completedIds.sort(), [completed.id, video.id].sort());
      assert.equal(byType.get('batch.succeeded')!.data.id, okBatch.name);
      assert.equal(
        byType.get('batch.succeeded')!.data.output_file_uri,
        undefined,
        'inline batches have no output file',
      );
      assert.deepEqual(byType.get('batch.failed')!.data, {
        id: badBatch.name,
        error_code: 'INTERNAL',
        error_message: 'scripted',
      });
      assert.equal(byType.get('batch.expired')!.data.id, slowBatch.name);
      assert.equal(byType.get('batch.cancelled')!.data.id, cancelledBatch.name);

      const v = byType.get('video.generated')!.data;
      assert.equal(v.id, video.id);
      assert.match(String(v.file_name), /^files\/video-/);
      assert.equal(v.output_file_uri, v.file_name);
      assert.match(String(v.video_uri), /:download\?alt=media$/);

      assert.equal((await ai.batches.get({ name: slowBatch.name! })).state, 'JOB_STATE_EXPIRED');
      // Every request's webhook-id is msg_<uuid>; no event was delivered twice.
      const ids = f.listener.received.map((r) => r.headers['webhook-id']);
      for (const id of ids) assert.match(id, /^msg_[0-9a-f-]{36}$/);
      assert.equal(new Set(ids).size, ids.length);
    } finally {
      await f.close();
    }
  });

  it('signs with every unexpired secret during rotation: 24 h grace, then immediate revocation', async () => {
    const f = await emulatorFixture();
    try {
      const { ai, emu, listener } = f;
      const wh = await ai.webhooks.create({ uri: listener.url, subscribed_events: ['interaction.completed'] });
      const first = wh.new_signing_secret!;
      const { secret: second } = await ai.webhooks.rotateSigningSecret(wh.id!, {});
      assert.ok(second && second !== first);
      const during = await ai.webhooks.get(wh.id!);
      assert.equal(during.signing_secrets?.length, 2);
      assert.ok(
        during.signing_secrets?.some((s) => s.expire_time),
        'the old secret shows its expiry',
      );
      assert.equal(during.new_signing_secret, undefined, 'new_signing_secret only on create');

      await ai.interactions.create({ model: 'm', input: 'during grace' });
      await emu.control.idle();
      const graceReq = listener.received[0];
      assert.equal(graceReq.headers['webhook-signature'].split(' ').length, 2);
      verifyV1(first, graceReq, f.now());
      verifyV1(second, graceReq, f.now());

      await emu.control.clock.advance(24 * hour + 1_000);
      await ai.interactions.create({ model: 'm', input: 'after grace' });
      await emu.control.idle();
      const afterReq = listener.received[1];
      assert.equal(afterReq.headers['webhook-signature'].split(' ').length, 1);
      verifyV1(second, afterReq, f.now());
      assert.throws(() => verifyV1(first, afterReq, f.now()), /No matching signature/);
      assert.equal((await ai.webhooks.get(wh.id!)).signing_secrets?.length, 1);

      const { secret: third } = await ai.webhooks.rotateSigningSecret(wh.id!, {
        revocation_behavior: 'revoke_previous_secrets_immediately',
      });
      await ai.interactions.create({ model: 'm', input: 'after immediate rotation' });
      await emu.control.idle();
      const immediateReq = listener.received[2];
      verifyV1(third!, immediateReq, f.now());
      assert.throws(() => verifyV1(second, immediateReq, f.now()), /No matching signature/);
    } finally {
      await f.close();
    }
  });

  it('retries across an outage with exponential backoff and a stable webhook-id, then delivers', async () => {
    const f = await emulatorFixture();
    try {
      const { ai, emu, listener } = f;
      const wh = await ai.webhooks.create({ uri: listener.url, subscribed_events: ['interaction.completed'] });
      listener.setStatus(503);
      const start = f.now();
      const it1 = await ai.interactions.create({ model: 'm', input: 'outage' });
      await emu.control.idle();
      await emu.control.clock.advance(5_000 + 10_000); // attempts 2 and 3
      listener.setStatus(200);
      await emu.control.clock.advance(20_000); // attempt 4 succeeds
      await emu.control.clock.advance(hour); // nothing more
      const [d] = emu.control.inspect.deliveries({ resourceId: it1.id });
      assert.equal(d.status, 'delivered');
      assert.deepEqual(
        d.attempts.map((a) => a.statusCode),
        [503, 503, 503, 200],
      );
      assert.deepEqual(
        d.attempts.map((a) => a.outcome),
        ['http_error', 'http_error', 'http_error', 'success'],
      );
      const offsets = d.attempts.map((a) => Math.round((Date.parse(a.at) - start) / 1000));
      assert.deepEqual(offsets, [0, 5, 15, 35]);
      assert.equal(listener.received.length, 4);
      assert.equal(new Set(listener.received.map((r) => r.headers['webhook-id'])).size, 1);
      assert.equal(new Set(listener.received.map((r) => r.body)).size, 1, 'the body is identical on every retry');
      for (const [i, req] of listener.received.entries()) {
        // Each attempt is signed afresh with the emulator time it was sent at.
        assert.equal(Number(req.headers['webhook-timestamp']), Math.floor(Date.parse(d.attempts[i].at) / 1000));
        verifyV1(wh.new_signing_secret!, req, Date.parse(d.attempts[i].at));
      }
    } finally {
      await f.close();
    }
  });

  it('gives up after 24 h, and disables a registered webhook after repeated failures', async () => {
    const f = await emulatorFixture({ dynamicSigning: 'v1a' }, { status: 500 });
    try {
      const { ai, emu } = f;
      const wh = await ai.webhooks.create({ uri: f.listener.url, subscribed_events: ['interaction.completed'] });
      const registered = await ai.interactions.create({ model: 'm', input: 'registered' });
      const dynamic = await ai.interactions.create({
        model: 'm',
        input: 'dynamic',
        webhook_config: { uris: [`${f.listener.url}?dyn=1`] },
      });
      await emu.control.clock.advance(25 * hour);

      // Expected schedule: 5 s doubling to a 1 h cap, no attempt later than 24 h after the event.
      const expected: number[] = [0];
      for (let delay = 5, t = 0; ; delay = Math.min(delay * 2, 3600)) {
        t += delay;
        if (t > 24 * 3600) break;
        expected.push(t);
      }
      const [dyn] = emu.control.inspect.deliveries({ resourceId: dynamic.id });
      assert.equal(dyn.status, 'failed');
      assert.equal(dyn.attempts.length, expected.length);
      const created = Date.parse(dyn.createdAt);
      assert.deepEqual(
        dyn.attempts.map((a) => Math.round((Date.parse(a.at) - created) / 1000)),
        expected,
      );

      // Every failed attempt was still properly signed, each at the emulator time it was sent.
      const jwks = await fetchJwks(emu.jwksUrl);
      for (const req of f.listener.received) {
        const sentAt = Number(req.headers['webhook-timestamp']) * 1000;
        if (req.path.includes('dyn=1')) verifyV1a(jwks, req, sentAt);
        else verifyV1(wh.new_signing_secret!, req, sentAt);
      }
      const [reg] = emu.control.inspect.deliveries({ resourceId: registered.id });
      assert.equal(reg.status, 'cancelled');
      assert.equal(reg.attempts.length, 30, 'disabled at the 30th consecutive failed attempt');
      assert.equal((await ai.webhooks.get(wh.id!)).state, 'disabled_due_to_failed_deliveries');

      // A disabled webhook gets no new events until it is enabled again.
      const before = f.listener.received.length;
      await ai.interactions.create({ model: 'm', input: 'while disabled' });
      await emu.control.idle();
      assert.equal(f.listener.received.length, before);
      f.listener.setStatus(204);
      await ai.webhooks.update(wh.id!, { state: 'enabled', update_mask: 'state' });
      const again = await ai.interactions.create({ model: 'm', input: 'enabled again' });
      await emu.control.idle();
      assert.equal(emu.control.inspect.deliveries({ resourceId: again.id })[0].status, 'delivered');
    } finally {
      await f.close();
    }
  });

  it('treats a listener that does not answer in time as failed and retries', async () => {
    const f = await emulatorFixture({ deliveryTimeoutMs: 200 });
    const hanging: http.ServerResponse[] = [];
    let first = true;
    let slow: Listening | undefined;
    try {
      slow = await listen(
        (_req, res) => {
          if (first) {
            first = false;
            hanging.push(res); // never answered: the emulator must give up on it after deliveryTimeoutMs
          } else {
            res.statusCode = 200;
            res.end();
          }
        },
        { what: 'slow listener' },
      );
      const uri = `${slow.url}/`;
      await f.ai.webhooks.create({ uri, subscribed_events: ['interaction.completed'] });
      const it1 = await f.ai.interactions.create({ model: 'm', input: 'slow receiver' });
      await f.emu.control.idle();
      await f.emu.control.clock.advance(5_000);
      const [d] = f.emu.control.inspect.deliveries({ resourceId: it1.id });
      assert.deepEqual(
        d.attempts.map((a) => a.outcome),
        ['timeout', 'success'],
      );
      assert.ok(d.attempts[0].durationMs >= 190 && d.attempts[0].durationMs < 2_000);
    } finally {
      await slow?.close();
      await f.close();
    }
  });

  it('ping sends a signed webhook.ping event to that webhook', async () => {
    const f = await emulatorFixture();
    try {
      const wh = await f.ai.webhooks.create({ uri: f.listener.url, subscribed_events: ['batch.succeeded'] });
      const res = await f.ai.webhooks.ping(wh.id!);
      assert.equal(typeof res, 'object');
      await f.emu.control.idle();
      const [e] = await drainV1(f, wh.new_signing_secret!, 0);
      assert.equal(e.type, 'webhook.ping');
      assert.equal(e.data.id, wh.id);
    } finally {
      await f.close();
    }
  });
});

describe('emulator webhooks: per-request webhook_config (dynamic signing)', () => {
  it('v1a: Ed25519 over id.timestamp.body, verified with node:crypto against the kid-less OKP keys of the JWKS', async () => {
    const f = await emulatorFixture();
    try {
      const { ai, emu, listener } = f;
      // A registered webhook for the same event must NOT receive it: webhook_config.uris replace registered ones.
      const other = await emulatorListenerUri(f);
      await ai.webhooks.create({ uri: other, subscribed_events: ['interaction.completed'] });
      const it1 = await ai.interactions.create({
        model: 'm',
        input: 'dynamic v1a',
        background: true,
        webhook_config: { uris: [listener.url], user_metadata: { job: 'j1', n: 2 } },
      });
      await emu.control.clock.advance(5_000);
      await emu.control.idle();
      assert.equal(listener.received.length, 1);
      const req = listener.received[0];
      assert.match(req.headers['webhook-signature'], /^v1a,/);
      const jwks = await fetchJwks(emu.jwksUrl);
      const okp = jwks.keys.filter((k) => k.kty === 'OKP');
      assert.equal(okp.length, 3);
      for (const k of okp) assert.equal(k.kid, undefined);
      const e = verifyV1a(jwks, req, f.now()) as Envelope;
      assert.equal(e.type, 'interaction.completed');
      assert.equal(e.data.id, it1.id);
      assert.deepEqual(e.data.user_metadata, { job: 'j1', n: 2 });
      assert.deepEqual(e.user_metadata, { job: 'j1', n: 2 });
      assert.throws(() => verifyV1a(jwks, { ...req, body: req.body.replace('j1', 'j2') }, f.now()), /no v1a signature/);
      assert.equal(emu.control.inspect.deliveries({ uri: other }).length, 0);
      assert.equal(emu.control.inspect.deliveries({ resourceId: it1.id })[0].scheme, 'v1a');
    } finally {
      await f.close();
    }
  });

  it('jwt: a bare RS256 JWT verified with jose (kid, iss, aud = URI, exp, body hash, event claim)', async () => {
    const f = await emulatorFixture({ dynamicSigning: 'jwt' });
    try {
      const { ai, emu, listener } = f;
      const batch = await ai.batches.create({
        model: 'gemini-2.5-flash',
        src: [{ contents: [{ parts: [{ text: 'x' }], role: 'user' }], metadata: { key: 'a' } }] as never,
        // Snake_case inside, as the live Batch API requires (SDK 3.1.0's type says userMetadata).
        config: { displayName: 'jwt', webhookConfig: { uris: [listener.url], user_metadata: { run: 'r7' } } as never },
      });
      await emu.control.clock.advance(61_000);
      await emu.control.idle();
      assert.equal(listener.received.length, 1);
      const req = listener.received[0];
      assert.equal(req.headers['webhook-signature'].split('.').length, 3, 'a bare compact JWT, no v1, prefix');
      const jwks = await fetchJwks(emu.jwksUrl);
      const rsa = jwks.keys.find((k) => k.kty === 'RSA');
      assert.ok(rsa?.kid && rsa.alg === 'RS256');
      const verified = await verifyJwt(jwks, req, { issuer: emu.baseUrl, audience: listener.url, nowMs: f.now() });
      const body = JSON.parse(req.body) as Envelope;
      assert.deepEqual(verified.event, body);
      assert.equal(verified.sub, 'batch.succeeded');
      assert.equal(verified.jti, req.headers['webhook-id']);
      assert.equal(body.data.id, batch.name);
      assert.deepEqual(body.data.user_metadata, { run: 'r7' });
      await assert.rejects(
        verifyJwt(jwks, req, { issuer: emu.baseUrl, audience: 'http://elsewhere/', nowMs: f.now() }),
        /aud/,
      );
      await assert.rejects(
        verifyJwt(
          jwks,
          { ...req, body: req.body.replace('r7', 'r8') },
          { issuer: emu.baseUrl, audience: listener.url, nowMs: f.now() },
        ),
        /body_sha256/,
      );
      await assert.rejects(
        verifyJwt(jwks, req, { issuer: emu.baseUrl, audience: listener.url, nowMs: f.now() + 301_000 }),
        /exp/,
      );
    } finally {
      await f.close();
    }
  });

  it('user_metadata placement options and no echo to registered webhooks when configured', async () => {
    for (const placement of ['data', 'top'] as const) {
      const f = await emulatorFixture({
        userMetadataPlacement: placement,
        echoUserMetadataToRegisteredWebhooks: false,
      });
      try {
        const wh = await f.ai.webhooks.create({ uri: f.listener.url, subscribed_events: ['interaction.completed'] });
        const dyn = await f.ai.interactions.create({
          model: 'm',
          input: 'a',
          webhook_config: { uris: [`${f.listener.url}?d`], user_metadata: { k: placement } },
        });
        const reg = await f.ai.interactions.create({
          model: 'm',
          input: 'b',
          webhook_config: { user_metadata: { k: 1 } },
        });
        await f.emu.control.idle();
        const jwks = await fetchJwks(f.emu.jwksUrl);
        const dynReq = f.listener.received.find((r) => r.path.endsWith('?d'))!;
        const dynEvent = verifyV1a(jwks, dynReq, f.now()) as Envelope;
        assert.equal(dynEvent.data.id, dyn.id);
        assert.deepEqual(placement === 'data' ? dynEvent.data.user_metadata : dynEvent.user_metadata, { k: placement });
        assert.equal(placement === 'data' ? dynEvent.user_metadata : dynEvent.data.user_metadata, undefined);
        const regReq = f.listener.received.find((r) => !r.path.endsWith('?d'))!;
        const regEvent = verifyV1(wh.new_signing_secret!, regReq, f.now()) as Envelope;
        assert.equal(regEvent.data.id, reg.id);
        assert.equal(regEvent.user_metadata, undefined);
        assert.equal(regEvent.data.user_metadata, undefined);
      } finally {
        await f.close();
      }
    }
  });
});

describe('emulator webhooks: delivery faults', () => {
  /** A receiver that verifies v1 against emulator time and answers 401 to a bad delivery, like a real one. */
  async function verifyingFixture() {
    let secret = '';
    let now = () => Date.now();
    const f = await emulatorFixture(
      {},
      {
        respond: (req: CapturedRequest) => {
          try {
            verifyV1(secret, req, now());
            return 204;
          } catch {
            return 401;
          }
        },
      },
    );
    now = f.now;
    const wh = await f.ai.webhooks.create({ uri: f.listener.url, subscribed_events: ['interaction.completed'] });
    secret = wh.new_signing_secret!;
    return { f, wh, secret };
  }

  it('drop loses the next matching delivery and nothing else', async () => {
    const { f } = await verifyingFixture();
    try {
      f.emu.control.faults.addDeliveryFault({ kind: 'drop', count: 1 });
      const lost = await f.ai.interactions.create({ model: 'm', input: 'lost' });
      const kept = await f.ai.interactions.create({ model: 'm', input: 'kept' });
      await f.emu.control.clock.advance(hour);
      assert.equal(f.emu.control.inspect.deliveries({ resourceId: lost.id })[0].status, 'dropped');
      assert.equal(f.emu.control.inspect.deliveries({ resourceId: lost.id })[0].attempts.length, 0);
      assert.equal(f.emu.control.inspect.deliveries({ resourceId: kept.id })[0].status, 'delivered');
      assert.equal(f.listener.received.length, 1);
      assert.equal(JSON.parse(f.listener.received[0].body).data.id, kept.id);
      assert.deepEqual(f.emu.control.faults.list(), []);
    } finally {
      await f.close();
    }
  });

  it('duplicate sends the same signed message twice with one webhook-id', async () => {
    const { f, secret } = await verifyingFixture();
    try {
      f.emu.control.faults.addDeliveryFault({ kind: 'duplicate', copies: 1 });
      await f.ai.interactions.create({ model: 'm', input: 'twice' });
      await f.emu.control.idle();
      const [a, b] = f.listener.received;
      assert.equal(f.listener.received.length, 2);
      assert.equal(a.headers['webhook-id'], b.headers['webhook-id']);
      assert.equal(a.body, b.body);
      verifyV1(secret, a, f.now());
      verifyV1(secret, b, f.now());
      assert.deepEqual(
        f.listener.received.map((r) => r.answered),
        [204, 204],
      );
    } finally {
      await f.close();
    }
  });

  it('delay holds the first attempt for the given emulator time', async () => {
    const { f } = await verifyingFixture();
    try {
      f.emu.control.faults.addDeliveryFault({ kind: 'delay', delayMs: 10 * 60_000 });
      await f.ai.interactions.create({ model: 'm', input: 'late' });
      await f.emu.control.clock.advance(9 * 60_000);
      assert.equal(f.listener.received.length, 0);
      await f.emu.control.clock.advance(60_000);
      assert.equal(f.listener.received.length, 1);
      assert.equal(f.listener.received[0].answered, 204);
    } finally {
      await f.close();
    }
  });

  it('reorder delivers the next N events in reverse order', async () => {
    const { f } = await verifyingFixture();
    try {
      f.emu.control.faults.addDeliveryFault({ kind: 'reorder', count: 3 });
      const ids: string[] = [];
      for (const input of ['one', 'two', 'three']) ids.push((await f.ai.interactions.create({ model: 'm', input })).id);
      await f.emu.control.idle();
      const got = f.listener.received.map((r) => JSON.parse(r.body).data.id);
      assert.deepEqual(got, [...ids].reverse());
      assert.ok(f.listener.received.every((r) => r.answered === 204));
    } finally {
      await f.close();
    }
  });

  it('stale_timestamp is rejected by a verifying receiver, and the retry with a fresh timestamp succeeds', async () => {
    const { f } = await verifyingFixture();
    try {
      f.emu.control.faults.addDeliveryFault({ kind: 'stale_timestamp', staleSeconds: 600 });
      const it1 = await f.ai.interactions.create({ model: 'm', input: 'stale' });
      await f.emu.control.idle();
      await f.emu.control.clock.advance(5_000);
      const [d] = f.emu.control.inspect.deliveries({ resourceId: it1.id });
      assert.deepEqual(
        d.attempts.map((a) => [a.stale ?? false, a.statusCode]),
        [
          [true, 401],
          [false, 204],
        ],
      );
      assert.equal(
        Number(d.attempts[0].headers['webhook-timestamp']),
        Math.floor(Date.parse(d.attempts[0].at) / 1000) - 600,
      );
      assert.equal(d.status, 'delivered');
    } finally {
      await f.close();
    }
  });

  it('fail makes the next attempt count as failed without sending; the retry delivers', async () => {
    const { f } = await verifyingFixture();
    try {
      f.emu.control.faults.addDeliveryFault({ kind: 'fail', count: 2, match: { eventType: 'interaction.completed' } });
      const it1 = await f.ai.interactions.create({ model: 'm', input: 'flaky' });
      // Attempts at +0, +5 s and +15 s; a second of slack for the first attempt's own start (the next would be +35 s).
      await f.emu.control.clock.advance(16_000);
      const [d] = f.emu.control.inspect.deliveries({ resourceId: it1.id });
      assert.deepEqual(
        d.attempts.map((a) => a.outcome),
        ['injected_failure', 'injected_failure', 'success'],
      );
      assert.equal(f.listener.received.length, 1);
    } finally {
      await f.close();
    }
  });
});

/** A second URI on the same listener, to tell registered and dynamic targets apart. */
async function emulatorListenerUri(f: EmulatorFixture): Promise<string> {
  return `${f.listener.url}?registered=1`;
}
