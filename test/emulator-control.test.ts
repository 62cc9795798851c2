import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { SetupError } from '../common/errors';
import { optionsFromEnv, withEnvDefaults } from '../emulator/env-options';
import { emulatorFixture, fetchJwks, hour, startEmulatorProcess, verifyV1, verifyV1a } from './helpers/emulator';

async function control(baseUrl: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${baseUrl}/_emulator${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw Object.assign(new Error(JSON.stringify(json)), { status: res.status, body: json });
  return json;
}

describe('emulator control API over HTTP', () => {
  it('drives clock, rules, faults, inspection, synthetic events and reset', async () => {
    const f = await emulatorFixture({ durations: { interactionMs: 60_000 } });
    try {
      const { ai, emu } = f;
      const base = emu.baseUrl;
      const before = await control(base, 'GET', '/clock');
      assert.equal(before.timeScale, 1);
      const after = await control(base, 'POST', '/clock/advance', { ms: 3_600_000 });
      assert.ok(after.now - before.now >= 3_600_000);
      assert.equal((await control(base, 'POST', '/clock/time-scale', { timeScale: 10 })).timeScale, 10);
      await control(base, 'POST', '/clock/time-scale', { timeScale: 1 });

      assert.deepEqual(await control(base, 'PUT', '/model/durations', { interactionMs: 2_000 }), {
        interactionMs: 2_000,
        deepResearchMs: 30_000,
        batchMs: 60_000,
        videoMs: 20_000,
      });
      await control(base, 'POST', '/model/interaction-rules', {
        match: { model: 'scripted' },
        turns: [{ text: 'from a rule' }],
      });
      assert.equal((await ai.interactions.create({ model: 'scripted', input: 'x' })).output_text, 'from a rule');

      const wh = await ai.webhooks.create({ uri: f.listener.url, subscribed_events: ['interaction.completed'] });
      await control(base, 'POST', '/faults/deliveries', { kind: 'fail', count: 1 });
      await control(base, 'POST', '/faults/api', { sdkMethod: 'batches.get', status: 500, count: 3 });
      const faults = (await control(base, 'GET', '/faults')).faults;
      assert.deepEqual(
        faults.map((x: { kind: string; remaining: number }) => [x.kind, x.remaining]),
        [
          ['delivery', 1],
          ['api', 3],
        ],
      );
      await assert.rejects(
        control(base, 'POST', '/faults/deliveries', { kind: 'explode' }),
        (e: any) => e.status === 400,
      );

      const bg = await ai.interactions.create({ model: 'm', input: 'bg', background: true });
      await control(base, 'POST', '/clock/advance', { ms: 2_000 });
      await control(base, 'POST', '/clock/advance', { ms: 5_000 });
      const { deliveries } = await control(base, 'GET', `/deliveries?resourceId=${bg.id}`);
      assert.equal(deliveries.length, 1);
      assert.deepEqual(
        deliveries[0].attempts.map((a: { outcome: string }) => a.outcome),
        ['injected_failure', 'success'],
      );
      assert.equal(deliveries[0].scheme, 'v1');
      assert.equal(deliveries[0].target.webhookResourceId, wh.id);
      verifyV1(wh.new_signing_secret!, f.listener.received.at(-1)!, f.now());

      const emitted = await control(base, 'POST', '/events', { type: 'batch.succeeded', data: { id: 'batches/zzz' } });
      assert.equal(emitted.deliveries.length, 0, 'the webhook is not subscribed to batch.succeeded');
      const dyn = await control(base, 'POST', '/events', {
        type: 'interaction.completed',
        data: { id: 'v1_synthetic' },
        uris: [f.listener.url],
        userMetadata: { a: 1 },
      });
      assert.equal(dyn.deliveries[0].scheme, 'v1a');
      await control(base, 'POST', '/idle');
      assert.equal(
        (await control(base, 'GET', '/deliveries?resourceId=v1_synthetic&status=delivered')).deliveries.length,
        1,
      );
      const synthetic = verifyV1a(await fetchJwks(emu.jwksUrl), f.listener.received.at(-1)!, f.now()) as any;
      assert.deepEqual(synthetic.data, { id: 'v1_synthetic', user_metadata: { a: 1 } });

      const calls = await control(base, 'GET', '/calls');
      assert.equal(calls.bySdkMethod['interactions.create'], 2);
      assert.equal(calls.bySdkMethod['webhooks.create'], 1);
      await control(base, 'DELETE', '/calls');
      assert.equal((await control(base, 'GET', '/calls')).total, 0);

      await control(base, 'DELETE', '/faults');
      await control(base, 'DELETE', '/model/rules');
      assert.equal(
        (await ai.interactions.create({ model: 'scripted', input: 'x' })).output_text,
        'Emulated scripted reply to: x',
      );
      await control(base, 'POST', '/reset');
      assert.deepEqual((await ai.webhooks.list()).webhooks ?? [], []);
      assert.equal((await control(base, 'GET', '/deliveries')).deliveries.length, 0);
      await assert.rejects(control(base, 'GET', '/nope'), (e: any) => e.status === 404);
    } finally {
      await f.close();
    }
  });

  it('timeScale runs jobs and retries on real timers, faster than real time', async () => {
    const f = await emulatorFixture({ timeScale: 1_000, durations: { interactionMs: 60_000 } }, { status: 503 });
    try {
      const wh = await f.ai.webhooks.create({ uri: f.listener.url, subscribed_events: ['interaction.completed'] });
      const started = f.now();
      const bg = await f.ai.interactions.create({ model: 'm', input: 'fast', background: true });
      // A minute of emulator time is 60 ms of real time; the first retries (5 s, 10 s, 20 s) follow within ~100 ms.
      await f.listener.waitFor(3, 5_000);
      f.listener.setStatus(204);
      const [d] = await f.emu.control.waitForDeliveries({ resourceId: bg.id }, undefined, 5_000);
      assert.equal((await f.ai.interactions.get(bg.id)).status, 'completed');
      assert.ok(Date.parse(d.createdAt) - started >= 60_000);
      assert.equal(d.attempts.at(-1)!.outcome, 'success');
      const last = f.listener.received.at(-1)!;
      verifyV1(wh.new_signing_secret!, last, Number(last.headers['webhook-timestamp']) * 1000);
    } finally {
      await f.close();
    }
  });

  it("webhookTimestampClock 'real' keeps deliveries verifiable against the wall clock after advancing", async () => {
    const f = await emulatorFixture({ webhookTimestampClock: 'real' });
    try {
      const wh = await f.ai.webhooks.create({ uri: f.listener.url, subscribed_events: ['interaction.completed'] });
      await f.emu.control.clock.advance(30 * hour);
      await f.ai.interactions.create({ model: 'm', input: 'x' });
      await f.emu.control.idle();
      const req = f.listener.received[0];
      // No clock substitution: the package checks the timestamp against Date.now().
      new Webhook(wh.new_signing_secret!).verify(req.body, req.headers);
      assert.ok(
        Date.parse(JSON.parse(req.body).timestamp) > Date.now() + 29 * hour,
        'the envelope keeps emulator time',
      );
    } finally {
      await f.close();
    }
  });
});

describe('emulator entry point and environment', () => {
  it('reads GEMINI_EMULATOR_* variables and rejects bad values with a clear error', () => {
    const o = optionsFromEnv({
      GEMINI_EMULATOR_PORT: '0',
      GEMINI_EMULATOR_DYNAMIC_SIGNING: 'jwt',
      GEMINI_EMULATOR_TIME_SCALE: '60',
      GEMINI_EMULATOR_BATCH_MS: '1000',
      GEMINI_EMULATOR_USER_METADATA_PLACEMENT: 'top',
    });
    assert.equal(o.port, 0);
    assert.equal(o.dynamicSigning, 'jwt');
    assert.equal(o.timeScale, 60);
    assert.equal(o.durations?.batchMs, 1000);
    assert.equal(o.userMetadataPlacement, 'top');
    assert.equal(optionsFromEnv({}).port, 8790);
    assert.throws(() => optionsFromEnv({ GEMINI_EMULATOR_DYNAMIC_SIGNING: 'hmac' }), SetupError);
    const merged = withEnvDefaults(
      { timeScale: 5, durations: { videoMs: 7 } },
      {
        GEMINI_EMULATOR_DYNAMIC_SIGNING: 'jwt',
        GEMINI_EMULATOR_TIME_SCALE: '60',
        GEMINI_EMULATOR_BATCH_MS: '9',
        GEMINI_EMULATOR_PORT: '1234',
      },
    );
    assert.equal(merged.dynamicSigning, 'jwt', 'unset options fall back to the environment');
    assert.equal(merged.timeScale, 5, 'options given in code win');
    assert.deepEqual(merged.durations, { batchMs: 9, videoMs: 7 });
    assert.equal(merged.port, undefined, 'the port comes from code only');
    assert.throws(() => optionsFromEnv({ GEMINI_EMULATOR_TIME_SCALE: '0' }), /GEMINI_EMULATOR_TIME_SCALE/);
  });

  it('`npm run emulator` (emulator/main.ts) prints its base URL and serves the JWKS', async () => {
    const emulator = await startEmulatorProcess(['--import', 'tsx', 'emulator/main.ts'], {
      GEMINI_EMULATOR_PORT: '0',
      GEMINI_EMULATOR_DYNAMIC_SIGNING: 'jwt',
    });
    try {
      assert.match(emulator.baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.match(emulator.output(), /GOOGLE_GEMINI_BASE_URL=/);
      assert.match(emulator.output(), /dynamic webhook signing: jwt/);
      const jwks = (await fetchJwks(`${emulator.baseUrl}/.well-known/jwks.json`)) as { keys: { kty: string }[] };
      assert.deepEqual(
        jwks.keys.map((k) => k.kty),
        ['OKP', 'OKP', 'OKP', 'RSA'],
      );
    } finally {
      await emulator.stop();
    }
  });
});
