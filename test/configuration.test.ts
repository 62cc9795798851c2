import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, describe, it } from 'node:test';
import pino from 'pino';
import { optionsFromEnv } from '../emulator/env-options';
import { createReceiver, receiverConfigFromEnv } from '../receiver';
import { freePort } from '../testing/dev-server';
import { connectToTemporal, geminiflowConfigFromEnv } from '../worker';
import { exitOf, spawnEntryPoint } from './helpers/processes';
import { testServerAddress } from './helpers/temporal';

const routingKeys = `k1:${randomBytes(32).toString('base64')}`;

/** Node warnings emitted while `fn` runs (they are delivered on the next tick). */
async function warningsDuring(fn: () => unknown): Promise<string[]> {
  const seen: string[] = [];
  const listener = (w: Error) => seen.push(w.message);
  process.on('warning', listener);
  try {
    fn();
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', listener);
  }
  return seen;
}

describe('configuration given in code', () => {
  it('is added to the environment: variables not given in code are still read', () => {
    const config = geminiflowConfigFromEnv(
      { GEMINI_EMULATOR_URL: 'http://127.0.0.1:1' },
      { GEMINIFLOW_OUTPUT_DIR: '/srv/videos', GEMINIFLOW_ROUTING_KEYS: routingKeys },
    );
    assert.equal(config.gemini.baseUrl, 'http://127.0.0.1:1');
    assert.equal(config.outputDir, '/srv/videos');
    assert.equal(config.routingKey?.id, 'k1');
  });

  it('does not hide a bad value in the environment', () => {
    assert.throws(
      () =>
        geminiflowConfigFromEnv({ GEMINI_EMULATOR_URL: 'http://127.0.0.1:1' }, { GEMINIFLOW_ROUTING_KEYS: 'no-colon' }),
      /GEMINIFLOW_ROUTING_KEYS/,
    );
  });

  it('wins over the environment, with a warning that names the variable and not its values', async () => {
    const other = `k2:${randomBytes(32).toString('base64')}`;
    let config: ReturnType<typeof geminiflowConfigFromEnv> | undefined;
    const warnings = await warningsDuring(() => {
      config = geminiflowConfigFromEnv({ GEMINIFLOW_ROUTING_KEYS: other }, { GEMINIFLOW_ROUTING_KEYS: routingKeys });
    });
    assert.equal(config?.routingKey?.id, 'k2');
    const overridden = warnings.filter((w) => w.includes('GEMINIFLOW_ROUTING_KEYS'));
    assert.equal(overridden.length, 1, warnings.join('\n'));
    assert.ok(!overridden[0]!.includes(routingKeys.slice(3, 12)) && !overridden[0]!.includes(other.slice(3, 12)));
  });
});

describe('a misspelt variable', () => {
  it('gets a warning naming the variable it probably meant, once', async () => {
    const env = { GEMINIFLOW_ROUTING_KEY: routingKeys, GEMINI_EMULATOR_URL: 'http://127.0.0.1:1' };
    const first = await warningsDuring(() => geminiflowConfigFromEnv({}, env));
    assert.deepEqual(first, [
      'GEMINIFLOW_ROUTING_KEY is not a geminiflow setting and is ignored; did you mean GEMINIFLOW_ROUTING_KEYS?',
    ]);
    assert.deepEqual(await warningsDuring(() => geminiflowConfigFromEnv({}, env)), [], 'once per name');
  });

  it('in the receiver and the emulator too (swapped letters, a dropped one)', async () => {
    const warnings = await warningsDuring(() => {
      receiverConfigFromEnv({ RECEIVER_PROT: '8080', GEMINIFLOW_ROUTING_KEYS: 'none' });
      optionsFromEnv({ GEMINI_EMULATOR_TIMESCALE: '2' });
    });
    assert.deepEqual(warnings, [
      'RECEIVER_PROT is not a geminiflow setting and is ignored; did you mean RECEIVER_PORT?',
      'GEMINI_EMULATOR_TIMESCALE is not a geminiflow setting and is ignored; did you mean GEMINI_EMULATOR_TIME_SCALE?',
    ]);
  });

  it('is named in the error when the setting it was meant for is missing, as the process stops before a warning prints', async () => {
    const env = {
      GEMINIFLOW_ROUTING_KEY: routingKeys,
      GEMINI_EMULATOR_URL: 'http://127.0.0.1:1',
      GEMINIFLOW_WEBHOOK_URL: 'http://127.0.0.1:1/webhooks/gemini',
    };
    const hint =
      /GEMINIFLOW_ROUTING_KEYS is not set[\s\S]*\n {2}- GEMINIFLOW_ROUTING_KEY is not a geminiflow setting and is ignored; did you mean GEMINIFLOW_ROUTING_KEYS\?/;
    for (const read of [() => geminiflowConfigFromEnv({}, env), () => receiverConfigFromEnv(env)]) {
      assert.throws(read, (err: Error) => hint.test(err.message) && !err.message.includes(routingKeys.slice(3, 12)));
    }
    const receiver = spawnEntryPoint('receiver/main.ts', {
      ...env,
      RECEIVER_PORT: '0',
      RECEIVER_OPS_PORT: '0',
      GEMINIFLOW_ROUTING_KEYS: '',
    });
    assert.equal(await exitOf(receiver), 1);
    assert.match(receiver.output(), /did you mean GEMINIFLOW_ROUTING_KEYS\?/);
  });

  it("knows the variables of every reader, so correct names and other components' names pass quietly", async () => {
    const warnings = await warningsDuring(() =>
      geminiflowConfigFromEnv(
        {},
        {
          GEMINI_EMULATOR_URL: 'http://127.0.0.1:1',
          GEMINI_WEBHOOK_SECRETS: 'whsec_x',
          RECEIVER_PORT: '8080',
          GEMINI_EMULATOR_HOST: '0.0.0.0',
          GEMINIFLOW_REGISTER_SEARCH_ATTRIBUTES: 'false',
          GEMINIFLOW_ENSURE_WEBHOOK: 'false',
        },
      ),
    );
    assert.deepEqual(warnings, []);
  });
});

describe('Temporal unreachable at start', () => {
  let closedPort: number;
  before(async () => {
    closedPort = await freePort();
  });

  it('is one line naming the address and how to start a local server', async () => {
    const address = `127.0.0.1:${closedPort}`;
    await assert.rejects(connectToTemporal({ address }), (err: Error) => {
      assert.equal(err.message.split('\n').length, 1, err.message);
      assert.match(
        err.message,
        new RegExp(`cannot reach Temporal at ${address.replace(/\./g, '\\.')} \\(connection refused\\)`),
      );
      assert.match(err.message, /npx geminiflow dev/);
      assert.doesNotMatch(err.message, /tonic/);
      return true;
    });
  });
});

describe('a correct receiver setup without webhook secrets (per-request webhooks only)', () => {
  it('logs no warning, only what a missing secret means and when it would matter', async () => {
    const lines: { level: number; msg: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const receiver = await createReceiver({
      routingKeys,
      jwksUrl: 'http://127.0.0.1:1/.well-known/jwks.json',
      publicUrl: 'https://hooks.example.com/webhooks/gemini',
      temporal: { address: testServerAddress(), taskQueue: 'quiet' },
      logger,
    });
    await receiver.close();
    assert.deepEqual(
      lines.filter((l) => l.level >= 40),
      [],
      'nothing that reads like a failure',
    );
    const secrets = lines.find((l) => /GEMINI_WEBHOOK_SECRETS/.test(l.msg));
    assert.match(secrets?.msg ?? '', /per-request webhooks verify without one.*registered with Gemini.*refused/);
  });
});
