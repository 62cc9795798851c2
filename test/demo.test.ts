import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../common/paths';
import { testTmpDir } from './helpers/temporal';

function runDemo(args: string[]) {
  const res = spawnSync(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'scripts', 'demo.ts'), ...args], {
    cwd: projectRoot,
    encoding: 'utf8',
    timeout: 180_000,
    // The demo reuses the test run's Temporal server through TEMPORAL_ADDRESS, on its own task queue.
    env: { ...process.env, TEMPORAL_TASK_QUEUE: `demo-${process.pid}`, GEMINIFLOW_PUBLISH_DIR: testTmpDir() },
  });
  return { status: res.status, out: `${res.stdout}${res.stderr}` };
}

describe('npm run demo (the main job)', () => {
  it('runs the flagship pipeline end to end and publishes once approved', () => {
    const { status, out } = runDemo(['--topic', 'tidal energy', '--follow-ups', '2']);
    assert.equal(status, 0, out);
    assert.match(out, /research report: # Research report: tidal energy \(\d+ sources\)/);
    assert.match(out, /sources fan-out: done \d, running \d, failed 0, left \d of 3/);
    assert.match(out, /source notes: 3\/3 done, 0 failed/);
    assert.match(out, /follow-up batch: 2\/2 answered, 0 failed/);
    assert.match(out, /decision sent as a Temporal Update: approved/);
    assert.match(out, /published: Brief: tidal energy \(/);
    assert.match(out, /research\s+interaction\.completed\s+by webhook/);
  });

  it('publishes nothing when the person denies', () => {
    const { status, out } = runDemo(['--topic', 'kelp farming', '--follow-ups', '1', '--deny']);
    assert.equal(status, 0, out);
    assert.match(out, /decision sent as a Temporal Update: denied/);
    assert.match(out, /published: nothing/);
  });
});
