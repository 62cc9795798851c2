import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { type ReplayWorkerOptions, Worker } from '@temporalio/worker';
import * as exampleWorkflows from '../example/workflows';
import { installRuntime } from '../temporal/runtime';
import * as geminiflowWorkflows from '../workflows/geminiflow-workflows';
import { historiesDir, savedHistories } from './helpers/histories';
import { testWorkflows } from './helpers/temporal';

/** Every workflow type a worker of the example app hosts: the app's own and geminiflow's. */
const workflows = { ...exampleWorkflows, ...geminiflowWorkflows };

/**
 * Workflow types with no recorded history yet, and why. Every other workflow a worker hosts must have
 * at least one, so a new workflow cannot ship without the replay safety net.
 */
const notRecorded: Record<string, string> = {};

describe('saved histories replay against the current workflow code', () => {
  const histories = savedHistories();

  it('every workflow type has a recorded history', () => {
    const recorded = new Set(histories.map((h) => h.workflowType));
    const missing = Object.keys(workflows).filter((type) => !recorded.has(type) && !(type in notRecorded));
    assert.deepEqual(missing, [], 'record them with `npx tsx scripts/record-histories.ts`');
  });

  it('names no machine path: stack traces are relative to the checkout', () => {
    const named = fs
      .readdirSync(historiesDir)
      .filter((file) => /\(\/[^)\s]+\)|\bat \/[^\s]+/.test(fs.readFileSync(path.join(historiesDir, file), 'utf8')));
    assert.deepEqual(named, [], 'stack traces keep paths relative to the checkout (scripts/record-histories.ts)');
  });

  it('every history replays without a nondeterminism error', async () => {
    assert.ok(histories.length > 0, 'test/histories/ is empty');
    installRuntime();
    const options: ReplayWorkerOptions = { replayName: 'geminiflow-replay', ...testWorkflows() };
    const failures: string[] = [];
    let replayed = 0;
    const byId = new Map(histories.map((h) => [h.workflowId, h]));
    for await (const result of Worker.runReplayHistories(
      options,
      histories.map((h) => ({ workflowId: h.workflowId, history: h.history })),
    )) {
      replayed++;
      const saved = byId.get(result.workflowId);
      if (result.error) failures.push(`${saved?.file} (${saved?.workflowType}): ${result.error.message}`);
    }
    assert.equal(replayed, histories.length);
    assert.deepEqual(failures, []);
  });
});
