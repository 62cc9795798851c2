import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SetupError } from '../common/errors';
import { optionsFromEnv, withEnvDefaults } from '../emulator/env-options';
import { emulatorFixture } from './helpers/emulator';

const src = { model: 'gemini-2.5-flash', src: [{ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }] };

/** The legacy client (batches) surfaces a 429 at once; its message is Gemini's JSON error body. */
async function createBatch(ai: Awaited<ReturnType<typeof emulatorFixture>>['ai']): Promise<number | 'ok'> {
  try {
    await ai.batches.create(src as never);
    return 'ok';
  } catch (err) {
    return (err as { status: number }).status;
  }
}

describe('emulator rate limit (429 RESOURCE_EXHAUSTED above a rate)', () => {
  it('refuses generation calls over the rate with RetryInfo, as Gemini does, and admits them again later', async () => {
    // One token per 10 s of emulator time: a slow machine cannot refill the bucket between the calls.
    const f = await emulatorFixture({ rateLimit: { perSecond: 0.1, burst: 2 } });
    try {
      assert.deepEqual([await createBatch(f.ai), await createBatch(f.ai), await createBatch(f.ai)], ['ok', 'ok', 429]);
      const err = await f.ai.batches.create(src as never).then(
        () => assert.fail('over the rate'),
        (e: Error) => e,
      );
      const body = JSON.parse(err.message) as {
        error: { code: number; status: string; details: { retryDelay: string }[] };
      };
      assert.equal(body.error.code, 429);
      assert.equal(body.error.status, 'RESOURCE_EXHAUSTED');
      assert.match(body.error.details[0]!.retryDelay, /^\d+s$/);
      // Reads are not generation requests: they are not limited.
      await f.ai.batches.list();
      assert.equal(f.emu.control.rateLimit.get().limited, 2);

      await f.emu.control.clock.advance(10_000);
      assert.equal(await createBatch(f.ai), 'ok', 'a token comes back after 1 / perSecond of emulator time');
      // The refused calls were counted like any other call.
      assert.equal(f.emu.control.inspect.calls().bySdkMethod['batches.create'], 5);
    } finally {
      await f.close();
    }
  });

  it('is set, read and removed over the HTTP control API, with a Retry-After header on each 429', async () => {
    const f = await emulatorFixture();
    try {
      const base = `${f.emu.baseUrl}/_emulator/rate-limit`;
      const put = await fetch(base, {
        method: 'PUT',
        body: JSON.stringify({ perSecond: 0.1, sdkMethods: ['interactions.create'] }),
      });
      assert.deepEqual(await put.json(), {
        limit: { perSecond: 0.1, burst: 1, sdkMethods: ['interactions.create'] },
        limited: 0,
      });
      assert.equal(await createBatch(f.ai), 'ok', 'only the named methods are limited');
      await f.ai.interactions.create({ model: 'm', input: 'first' });
      const res = await fetch(`${f.emu.baseUrl}/v1/interactions`, {
        method: 'POST',
        headers: { 'x-goog-api-key': 'k', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', input: 'second' }),
      });
      assert.equal(res.status, 429);
      assert.equal(res.headers.get('retry-after'), '10');
      assert.equal(((await (await fetch(base)).json()) as { limited: number }).limited, 1);
      assert.deepEqual(await (await fetch(base, { method: 'DELETE' })).json(), { limit: null, limited: 1 });
      await f.ai.interactions.create({ model: 'm', input: 'third' });
      const bad = await fetch(base, { method: 'PUT', body: JSON.stringify({ perSecond: 0 }) });
      assert.equal(bad.status, 400);
    } finally {
      await f.close();
    }
  });

  it('comes from GEMINI_EMULATOR_RATE_LIMIT and GEMINI_EMULATOR_RATE_LIMITED_METHODS, checked at start', () => {
    assert.deepEqual(optionsFromEnv({ GEMINI_EMULATOR_RATE_LIMIT: '5' }).rateLimit, { perSecond: 5 });
    assert.deepEqual(
      withEnvDefaults(
        {},
        {
          GEMINI_EMULATOR_RATE_LIMIT: '0.5',
          GEMINI_EMULATOR_RATE_LIMITED_METHODS: 'batches.create, models.generateContent',
        },
      ).rateLimit,
      { perSecond: 0.5, sdkMethods: ['batches.create', 'models.generateContent'] },
    );
    assert.equal(optionsFromEnv({}).rateLimit, undefined);
    assert.throws(() => optionsFromEnv({ GEMINI_EMULATOR_RATE_LIMIT: 'lots' }), SetupError);
  });
});
