import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { projectRoot } from '../common/paths';
import { uniqueTaskQueue } from './helpers/temporal';

const fixture = path.join(projectRoot, 'test', 'fixtures', 'user-project');
const repo = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  const res = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 600_000 });
  return { status: res.status, out: `${res.stdout ?? ''}${res.stderr ?? ''}${res.error?.message ?? ''}` };
}

/**
 * geminiflow as a stranger's project uses it: the tarball `npm pack` makes, installed into a new project outside this
 * repository that has its own package.json and tsconfig, compiled with tsc (no tsx) and run with plain node.
 */
describe('the npm package in a project of its own', () => {
  let app: string;

  before(() => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'geminiflow-user-'));
    const packed = run('npm', ['pack', '--pack-destination', work, '--silent'], projectRoot);
    assert.equal(packed.status, 0, packed.out);
    const tarball = path.join(work, packed.out.trim().split('\n').pop()!);
    assert.ok(fs.existsSync(tarball), `npm pack made ${tarball}`);

    app = path.join(work, 'orders-app');
    fs.cpSync(fixture, app, { recursive: true });
    const pin = (name: string) => repo.dependencies[name] ?? repo.devDependencies[name]!;
    fs.writeFileSync(
      path.join(app, 'package.json'),
      JSON.stringify({
        name: 'orders-app',
        private: true,
        dependencies: {
          geminiflow: `file:${tarball}`,
          ...Object.fromEntries(['@temporalio/client', '@temporalio/worker', '@temporalio/workflow', 'zod'].map((n) => [n, pin(n)])),
        },
        devDependencies: { typescript: pin('typescript'), '@types/node': pin('@types/node') },
      }),
    );
    const installed = run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], app);
    assert.equal(installed.status, 0, installed.out);
    const compiled = run(path.join(app, 'node_modules', '.bin', 'tsc'), ['-p', '.'], app);
    assert.equal(compiled.status, 0, compiled.out);
  });

  it('runs its own two-stage pipeline with its own tool, through real webhooks', () => {
    const env = { ...process.env, TEMPORAL_TASK_QUEUE: uniqueTaskQueue('orders'), GEMINI_API_KEY: '' };
    const { status, out } = run(process.execPath, [path.join(app, 'dist', 'main.js')], app, env);
    assert.equal(status, 0, out);
    const line = out.split('\n').find((l) => l.startsWith('{"result"'));
    assert.ok(line, out);
    const { result, deliveries } = JSON.parse(line) as { result: { sources: number; reply: string }; deliveries: number };
    assert.ok(result.sources > 0, 'the research stage returned its sources');
    assert.match(result.reply, /lookup_order=\{"orderId":"A-1001","status":"shipped"\}/, 'the agent ran the app\'s tool');
    assert.ok(deliveries >= 3, `webhooks drove every wait (${deliveries} deliveries)`);
  });

  it('a worker whose offered tool has no implementation refuses to start, naming the tool', () => {
    const { status, out } = run(process.execPath, [path.join(app, 'dist', 'broken-worker.js')], app);
    assert.equal(status, 1, out);
    assert.match(out, /tool "lookup_order" is offered to the model but has no implementation/);
  });

  it('the geminiflow command runs in the project that installed it, from the compiled package', () => {
    const cli = (...args: string[]) => run('npx', ['--no-install', 'geminiflow', ...args], app);
    const help = cli('--help');
    assert.equal(help.status, 0, help.out);
    assert.match(help.out, /Usage: geminiflow \[options\] \[command\][\s\S]*doctor[\s\S]*console/);
    assert.equal(cli('lsit').status, 2);
    const token = cli('console', 'token', 'alice');
    assert.equal(token.status, 0, token.out);
    assert.match(token.out, /alice=sha256:[0-9a-f]{64}/);
    const views = path.join(app, 'node_modules', 'geminiflow', 'console');
    assert.ok(fs.existsSync(path.join(views, 'views', 'approval.eta')) && fs.existsSync(path.join(views, 'public', 'console.js')));
  });
});

describe('README', () => {
  it('"Use it in your own project" shows exactly the code the package test runs', () => {
    const readme = fs.readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
    for (const file of ['tools.ts', 'workflows.ts', 'worker.ts', 'main.ts']) {
      const code = fs.readFileSync(path.join(fixture, 'src', file), 'utf8');
      assert.ok(readme.includes(`// src/${file}\n${code}`), `README shows src/${file} as it is`);
    }
  });
});
