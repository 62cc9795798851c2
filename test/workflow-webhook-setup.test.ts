import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GoogleGenAI } from '@google/genai';
import { webhookEventTypes } from '../contract';
import { type RunningEmulator, startEmulator } from '../emulator';
import { ensureRegisteredWebhook } from '../worker';
import { spawnEntryPoint, workerBundleArgs } from './helpers/processes';
import { testTmpDir, uniqueTaskQueue } from './helpers/temporal';

describe('startup option: ensure the registered webhook exists', () => {
  let emulator: RunningEmulator;
  let ai: GoogleGenAI;
  before(async () => {
    emulator = await startEmulator();
    ai = new GoogleGenAI({ apiKey: 'test-key', httpOptions: { baseUrl: emulator.baseUrl } });
  });
  after(async () => {
    await emulator.stop();
  });

  it('creates it once, subscribed to every event, and hands out the signing secret only then', async () => {
    const uri = 'https://hooks.example.test/created-once';
    const first = await ensureRegisteredWebhook(ai, uri);
    assert.equal(first.created, true);
    assert.match(first.newSigningSecret ?? '', /^whsec_/);
    assert.deepEqual([...first.subscribedEvents].sort(), [...webhookEventTypes].sort());

    const second = await ensureRegisteredWebhook(ai, uri);
    assert.equal(second.created, false);
    assert.equal(second.id, first.id);
    assert.equal(second.newSigningSecret, undefined);
    assert.deepEqual(second.warnings, []);
    const all = await ai.webhooks.list({ page_size: 1000 });
    assert.equal(all.webhooks?.filter((w) => w.uri === uri).length, 1);
  });

  it('finds it beyond the first page of the list', async () => {
    for (let i = 0; i < 105; i++) {
      await ai.webhooks.create({ uri: `https://filler.example.test/${i}`, subscribed_events: ['batch.succeeded'] });
    }
    const uri = 'https://hooks.example.test/late';
    const created = await ai.webhooks.create({ uri, subscribed_events: [...webhookEventTypes] });
    const found = await ensureRegisteredWebhook(ai, uri);
    assert.equal(found.created, false);
    assert.equal(found.id, created.id);
  });

  it('warns, without changing it, when the webhook is disabled or misses event types', async () => {
    const uri = 'https://hooks.example.test/disabled';
    const created = await ai.webhooks.create({ uri, subscribed_events: ['batch.succeeded'] });
    await ai.webhooks.update(created.id!, { state: 'disabled_due_to_failed_deliveries', update_mask: 'state' });
    const found = await ensureRegisteredWebhook(ai, uri);
    assert.equal(found.state, 'disabled_due_to_failed_deliveries');
    assert.match(found.warnings[0] ?? '', /is disabled_due_to_failed_deliveries: Gemini sends it nothing/);
    assert.match(found.warnings[1] ?? '', /not subscribed to: .*interaction\.completed/);
    assert.equal((await ai.webhooks.get(created.id!)).state, 'disabled_due_to_failed_deliveries');
  });

  it("the worker entry point ensures it at start, writes the new secret to the operator's file and never logs it", async () => {
    const dir = testTmpDir();
    const secretFile = path.join(dir, 'webhook-secret');
    const env = {
      GEMINI_EMULATOR_URL: emulator.baseUrl,
      GEMINIFLOW_ENSURE_WEBHOOK: 'true',
      GEMINIFLOW_WEBHOOK_URL: 'https://hooks.example.test/from-worker',
      GEMINIFLOW_ROUTING_KEYS: `setup:${Buffer.alloc(32, 9).toString('base64')}`,
      GEMINIFLOW_WEBHOOK_SECRET_FILE: secretFile,
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('webhook-setup'),
    };
    const firstRun = await runWorkerUntilStarted(env);
    const secret = fs.readFileSync(secretFile, 'utf8').trim();
    assert.match(secret, /^whsec_/);
    assert.equal(fs.statSync(secretFile).mode & 0o777, 0o600);
    assert.ok(!firstRun.includes(secret), 'the secret must not appear in the worker output');
    assert.match(firstRun, /registered webhook ensured/);

    fs.rmSync(secretFile);
    const secondRun = await runWorkerUntilStarted(env);
    assert.equal(fs.existsSync(secretFile), false, 'found, not created again: no new secret');
    assert.match(secondRun, /"created":false/);
  });

  it('refuses to start with the option on but no webhook URL, with a clear message', async () => {
    const output = await runWorkerUntilStarted({ GEMINIFLOW_ENSURE_WEBHOOK: 'true', GEMINIFLOW_WEBHOOK_URL: '' });
    assert.match(output, /GEMINIFLOW_ENSURE_WEBHOOK is set but GEMINIFLOW_WEBHOOK_URL .* is not/);
    assert.ok(!output.includes('    at '), 'a setup error is printed without a stack trace');
  });
});

/** Runs example/worker.ts until it logs that it started (or exits), then stops it; returns everything it printed. */
async function runWorkerUntilStarted(env: Record<string, string>): Promise<string> {
  const worker = spawnEntryPoint('example/worker.ts', env, workerBundleArgs());
  try {
    await worker.waitFor(/worker started/, 'the worker to start', 60_000).catch((err: Error) => {
      if (worker.child.exitCode === null && worker.child.signalCode === null)
        throw new Error(`the worker neither started nor exited: ${err.message}`);
    });
  } finally {
    await worker.kill('SIGTERM');
  }
  return worker.output();
}

describe('worker configuration is checked at start', () => {
  it('bad Gemini and webhook settings stop the worker with the variable names, never their values', async () => {
    const output = await runWorkerUntilStarted({
      GEMINI_API_KEY: 'AIzaSy-secret-value-that-must-not-leak',
      GEMINI_EMULATOR_URL: 'not a url',
      GEMINIFLOW_WEBHOOK_URL: 'ftp://receiver.example.test/hook',
    });
    assert.match(output, /invalid Gemini settings/);
    assert.match(output, /GEMINI_EMULATOR_URL: must be an http\(s\) URL/);
    assert.match(output, /GEMINIFLOW_WEBHOOK_URL: must be an http\(s\) URL/);
    assert.ok(!output.includes('secret-value'), 'the key is never echoed');
    assert.ok(!output.includes('    at '), 'a setup error is printed without a stack trace');
  });
});
