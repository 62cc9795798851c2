import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { optionsFromEnv } from '../emulator/env-options';
import { emulatorFixture, fetchJwks, hour, verifyV1a } from './helpers/emulator';

const inlineSrc = [{ contents: [{ parts: [{ text: 'hi' }], role: 'user' }], metadata: { key: 'k1' } }];

describe('emulator fidelity: batch webhook_config spelling', () => {
  it('refuses camelCase userMetadata inside webhook_config as the live API does; snake_case works', async () => {
    const f = await emulatorFixture();
    try {
      const { ai, emu, listener } = f;
      await assert.rejects(
        ai.batches.create({
          model: 'gemini-2.5-flash',
          src: inlineSrc as never,
          // What a caller following SDK 3.1.0's WebhookConfig type sends.
          config: { displayName: 'camel', webhookConfig: { uris: [listener.url], userMetadata: { run: 'r1' } } },
        }),
        (err: { status?: number; message?: string }) => {
          assert.equal(err.status, 400);
          const body = JSON.parse(err.message!) as { error: { code: number; status: string; message: string } };
          assert.deepEqual(body.error, {
            code: 400,
            status: 'INVALID_ARGUMENT',
            message:
              `Invalid JSON payload received. Unknown name "userMetadata" at 'batch.webhook_config': ` +
              'Cannot find field.',
          });
          return true;
        },
      );
      assert.equal((await ai.batches.list()).page.length, 0, 'a refused batch is not created');

      const viaSdk = await ai.batches.create({
        model: 'gemini-2.5-flash',
        src: inlineSrc as never,
        config: {
          displayName: 'snake',
          webhookConfig: { uris: [listener.url], user_metadata: { run: 'r2' } } as never,
        },
      });
      // The outer key in snake_case, as the REST docs write it.
      const raw = await fetch(`${emu.baseUrl}/v1beta/models/gemini-2.5-flash:batchGenerateContent`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k' },
        body: JSON.stringify({
          batch: {
            input_config: { requests: { requests: inlineSrc.map((r) => ({ request: { contents: r.contents } })) } },
            webhook_config: { uris: [listener.url], user_metadata: { run: 'r3' } },
          },
        }),
      });
      assert.equal(raw.status, 200);
      const rawName = ((await raw.json()) as { name: string }).name;
      await emu.control.clock.advance(61_000);
      await emu.control.idle();
      const runs = listener.received.map((r) => JSON.parse(r.body) as { data: { id: string; user_metadata: unknown } });
      assert.deepEqual(
        runs.map((e) => [e.data.id, e.data.user_metadata]).sort(),
        [
          [viaSdk.name, { run: 'r2' }],
          [rawName, { run: 'r3' }],
        ].sort(),
      );
    } finally {
      await f.close();
    }
  });
});

describe('emulator fidelity: streaming get of a running background interaction', () => {
  it('streams until the interaction ends, for get(id, {stream: true}) and create({stream, background})', async () => {
    const f = await emulatorFixture({ durations: { interactionMs: 5_000 } });
    try {
      const { ai, emu } = f;
      const created = await ai.interactions.create({ model: 'm', input: 'follow me', background: true });
      const stream = await ai.interactions.get(created.id, { stream: true });
      const events = stream[Symbol.asyncIterator]();
      const opening = [await events.next(), await events.next()].map((r) => r.value?.event_type);
      assert.deepEqual(opening, ['interaction.created', 'interaction.status_update']);
      const pending = events.next();
      const early = await Promise.race([pending, new Promise((r) => setTimeout(() => r('still open'), 300))]);
      assert.equal(early, 'still open', 'the stream waits for the interaction instead of ending');

      await emu.control.clock.advance(5_000);
      // Loosely typed: the SDK's event union needs narrowing per type, and these checks read several types at once.
      const rest: any[] = [(await pending).value];
      for (let r = await events.next(); !r.done; r = await events.next()) rest.push(r.value);
      assert.deepEqual(
        rest.map((e) => e.event_type),
        ['step.start', 'step.delta', 'step.stop', 'interaction.completed'],
      );
      assert.equal(rest[1].delta.text, 'Emulated m reply to: follow me');
      assert.equal(rest.at(-1).interaction.status, 'completed');
      assert.deepEqual(
        rest.map((e) => e.event_id),
        ['evt_2', 'evt_3', 'evt_4', 'evt_5'],
        'event ids continue the opening ones',
      );

      const live = await ai.interactions.create({ model: 'm', input: 'cancel me', background: true, stream: true });
      const types: string[] = [];
      let final: { status?: string } | undefined;
      const drained = (async () => {
        for await (const e of live) {
          types.push(e.event_type);
          if (e.event_type === 'interaction.created') await ai.interactions.cancel(e.interaction.id!);
          if (e.event_type === 'interaction.completed') final = e.interaction;
        }
      })();
      await drained;
      assert.deepEqual(types, ['interaction.created', 'interaction.status_update', 'interaction.completed']);
      assert.equal(final?.status, 'cancelled');

      const finished = await ai.interactions.get(created.id, { stream: true });
      const replay: string[] = [];
      for await (const e of finished) replay.push(e.event_type);
      assert.equal(replay.at(-1), 'interaction.completed', 'a finished interaction streams at once');
    } finally {
      await f.close();
    }
  });
});

describe('emulator fidelity: webhook-timestamp under a time scale', () => {
  const emitTo = async (timeScale: number, clock: 'auto' | 'emulator') => {
    const f = await emulatorFixture({ timeScale, webhookTimestampClock: clock });
    await f.emu.control.clock.advance(2 * hour);
    f.emu.control.emitEvent({ type: 'interaction.completed', data: { id: 'v1_scaled' }, uris: [f.listener.url] });
    const [req] = await f.listener.waitFor(1);
    return { f, req, jwks: await fetchJwks(f.emu.jwksUrl) };
  };

  it('stamps wall-clock time by default when the time scale is not 1, so a real receiver accepts it', async () => {
    const { f, req, jwks } = await emitTo(60, 'auto');
    try {
      assert.ok(f.now() - Date.now() > hour, 'emulator time runs ahead of the wall clock');
      assert.ok(Math.abs(Number(req.headers['webhook-timestamp']) - Date.now() / 1000) <= 5);
      verifyV1a(jwks, req, Date.now());
      // The envelope still tells emulator time.
      assert.ok(Date.parse((JSON.parse(req.body) as { timestamp: string }).timestamp) - Date.now() > hour);
    } finally {
      await f.close();
    }
  });

  it('keeps emulator time when asked explicitly (and by default at scale 1)', async () => {
    for (const [scale, clock] of [
      [60, 'emulator'],
      [1, 'auto'],
    ] as const) {
      const { f, req, jwks } = await emitTo(scale, clock);
      try {
        assert.ok(Number(req.headers['webhook-timestamp']) - Date.now() / 1000 > 3_600, `scale ${scale}, ${clock}`);
        assert.throws(() => verifyV1a(jwks, req, Date.now()), /outside tolerance/);
        verifyV1a(jwks, req, f.now());
      } finally {
        await f.close();
      }
    }
    assert.equal(optionsFromEnv({ GEMINI_EMULATOR_WEBHOOK_TIMESTAMP_CLOCK: 'auto' }).webhookTimestampClock, 'auto');
    assert.throws(() => optionsFromEnv({ GEMINI_EMULATOR_WEBHOOK_TIMESTAMP_CLOCK: 'wall' }), /auto, emulator, real/);
  });
});
