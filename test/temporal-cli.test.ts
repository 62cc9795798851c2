import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../common/paths';
import { testTmpDir } from './helpers/temporal';

function runSetup(env: Record<string, string>) {
  const res = spawnSync(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'scripts', 'setup.ts')], {
    cwd: projectRoot,
    encoding: 'utf8',
    env: { HOME: process.env.HOME ?? '/', ...env },
  });
  return { status: res.status, out: `${res.stdout}${res.stderr}` };
}

describe('finding the Temporal CLI', () => {
  it('uses TEMPORAL_CLI_PATH first', () => {
    const { status, out } = runSetup({
      PATH: process.env.PATH ?? '',
      TEMPORAL_CLI_PATH: process.env.TEMPORAL_CLI_PATH!,
    });
    assert.equal(status, 0, out);
    assert.match(out, /from TEMPORAL_CLI_PATH/);
  });

  it('says clearly, without a stack trace, when TEMPORAL_CLI_PATH points nowhere', () => {
    const { status, out } = runSetup({ PATH: process.env.PATH ?? '', TEMPORAL_CLI_PATH: '/nonexistent/temporal' });
    assert.equal(status, 1);
    assert.match(out, /TEMPORAL_CLI_PATH=\/nonexistent\/temporal is not an executable file/);
    assert.doesNotMatch(out, /^\s+at /m, 'no stack trace');
  });

  it('on a machine without python3 or a CLI, says what to install', () => {
    // PATH holds only node itself: no temporal, no python3; an empty tools dir plays a fresh checkout.
    const nodeOnly = testTmpDir();
    fs.symlinkSync(process.execPath, path.join(nodeOnly, 'node'));
    const { status, out } = runSetup({
      PATH: nodeOnly,
      GEMINIFLOW_TOOLS_DIR: testTmpDir(),
      GEMINIFLOW_NO_DOWNLOAD: '1',
    });
    assert.equal(status, 1);
    assert.match(out, /no Temporal CLI found/);
    assert.match(out, /python3 is not installed/);
    assert.match(out, /npm run setup/);
    assert.doesNotMatch(out, /^\s+at /m, 'no stack trace');
  });
});
