import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { findProject, workerStartHint } from '../cli/project';
import { projectRoot } from '../common/paths';
import { freePort } from '../testing/dev-server';
import { launchChromium } from './helpers/browser';
import { eventually } from './helpers/eventually';
import { listening } from './helpers/net';
import { exitOf, spawnEntryPoint } from './helpers/processes';
import { testServerAddress, testTmpDir } from './helpers/temporal';

/**
 * A user's project as `geminiflow dev` sees it, in a scratch folder: TypeScript sources with a workflow that waits for
 * a signal, its activity, and a worker with GeminiflowPlugin. Its imports name this checkout's sources, and its
 * node_modules is this checkout's, so the test runs dev from source without packing the library.
 */
function writeProject(dir: string, taskQueue: string) {
  const src = path.join(dir, 'src');
  fs.mkdirSync(src, { recursive: true });
  fs.symlinkSync(path.join(projectRoot, 'node_modules'), path.join(dir, 'node_modules'));
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'dev-app', type: 'commonjs', geminiflow: { worker: 'src/worker.ts', taskQueue } }),
  );
  fs.writeFileSync(
    path.join(src, 'workflows.ts'),
    `import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type * as activities from './activities.js';

export const release = defineSignal('release');
const { greet } = proxyActivities<typeof activities>({ startToCloseTimeout: '10 s' });

export async function greetLater(name: string): Promise<string> {
  let released = false;
  setHandler(release, () => void (released = true));
  const greeting = await greet(name);
  await condition(() => released);
  return greeting;
}
`,
  );
  fs.writeFileSync(
    path.join(src, 'activities.ts'),
    'export async function greet(name: string): Promise<string> {\n  return `hello, ${name}`;\n}\n',
  );
  fs.writeFileSync(
    path.join(src, 'worker.ts'),
    `import { Worker } from '@temporalio/worker';
import { connectToTemporal, GeminiflowPlugin } from ${JSON.stringify(path.join(projectRoot, 'worker'))};
import * as activities from './activities.js';

async function main() {
  const connection = await connectToTemporal();
  const worker = await Worker.create({
    connection,
    taskQueue: process.env.TEMPORAL_TASK_QUEUE!,
    workflowsPath: require.resolve('./workflows'),
    activities,
    plugins: [new GeminiflowPlugin()],
  });
  await worker.run();
  await connection.close();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
`,
  );
}

/** `geminiflow dev` from this checkout's sources, in the project folder, on free ports. */
function startDev(dir: string): { child: ChildProcess; output(): string; exited: Promise<number | null> } {
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  const child = spawn(
    process.execPath,
    ['--import', tsx, path.join(projectRoot, 'example', 'cli.ts'), 'dev', '--ports', 'auto'],
    {
      cwd: dir,
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(TEMPORAL_|GEMINIFLOW_|GEMINI_)/.test(k))),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

describe('geminiflow dev around a TypeScript worker of the project it runs in', () => {
  const dir = path.join(testTmpDir(), 'dev-app');
  const taskQueue = `dev-${Date.now()}`;
  let dev: ReturnType<typeof startDev>;
  let client: Client;
  const polling = (after: number) =>
    eventually(
      async () => {
        const seen = [...dev.output().matchAll(/the worker \(pid (\d+)\) polls task queue/g)];
        return seen.length > after ? seen.length : undefined;
      },
      `the worker to poll (dev's output:\n${dev?.output().slice(-3000)})`,
      180_000,
    );

  before(async () => {
    writeProject(dir, taskQueue);
    dev = startDev(dir);
    const address = await eventually(
      async () => /Temporal +(127\.0\.0\.1:\d+) \(namespace default, task queue /.exec(dev.output())?.[1],
      `dev to be up (output:\n${dev.output()})`,
      180_000,
    );
    client = new Client({ connection: await Connection.connect({ address }) });
  });

  after(async () => {
    await client?.connection.close();
    if (dev.child.exitCode === null) dev.child.kill('SIGKILL');
  });

  it('reads the project: its worker from package.json, .geminiflow/ git-ignored, and fixes that fit it', () => {
    assert.match(dev.output(), /worker +src\/worker\.ts, restarted when src\/ changes/);
    assert.equal(
      fs
        .readFileSync(path.join(dir, '.geminiflow', '.gitignore'), 'utf8')
        .split('\n')
        .at(-2),
      '*',
    );
    assert.equal((fs.statSync(path.join(dir, '.geminiflow', 'dev.json')).mode & 0o777).toString(8), '600');
    assert.equal(workerStartHint(findProject(dir)), 'npx geminiflow dev');
    assert.equal(workerStartHint(findProject(projectRoot)), 'npm run worker');
  });

  it('signs the local user in to the console through the printed link, whose token no server sees', async () => {
    const link = /console +(http:\/\/127\.0\.0\.1:\d+\/login#token=[\w-]+) \(signed in as (\S+)\)/.exec(dev.output());
    assert.ok(link, dev.output());
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(link[1]!);
      await page.waitForURL(/\/approvals$/);
      assert.doesNotMatch(page.url(), /token/);
      assert.match(await page.content(), new RegExp(link[2]!));
    } finally {
      await browser.close();
    }
  });

  it('restarts the worker when a source changes; a non-deterministic change is named with its run and the patch API, and undoing it lets the run finish', {
    timeout: 600_000,
  }, async () => {
    await polling(0);
    const handle = await client.workflow.start('greetLater', {
      taskQueue,
      workflowId: `greet-${Date.now()}`,
      args: ['Ada'],
    });
    await eventually(
      async () =>
        (await handle.fetchHistory()).events?.some((e) => e.activityTaskCompletedEventAttributes) ? true : undefined,
      'the greeting to be made',
      120_000,
    );

    // Something scheduled before the activity: the waiting run's history no longer matches the code.
    const workflows = path.join(dir, 'src', 'workflows.ts');
    const before = fs.readFileSync(workflows, 'utf8');
    fs.writeFileSync(
      workflows,
      before
        .replace('import { condition,', 'import { condition, sleep,')
        .replace(
          '  const greeting = await greet(name);',
          "  await sleep('1 ms');\n  const greeting = await greet(name);",
        ),
    );
    await polling(1);
    assert.match(dev.output(), /src\/workflows\.ts changed: restarting the worker/);
    await handle.signal('release');
    const advice = await eventually(
      async () =>
        new RegExp(`run ${handle.workflowId} \\(greetLater\\) cannot continue on the changed code: .*`).exec(
          dev.output(),
        )?.[0],
      'dev to name the run that cannot continue',
      120_000,
    );
    assert.match(dev.output(), /patched\('<change-id>'\) from @temporalio\/workflow/);
    assert.match(advice, /[Nn]ondetermin/);

    fs.writeFileSync(workflows, before);
    await polling(2);
    assert.equal(await handle.result(), 'hello, Ada', 'the run finishes on the code it started with');
  });

  it('stops on one SIGTERM: every process it started ends and every port is free', { timeout: 120_000 }, async () => {
    const ports = [...dev.output().matchAll(/http:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
    const workerPid = Number([...dev.output().matchAll(/the worker \(pid (\d+)\)/g)].at(-1)![1]);
    dev.child.kill('SIGTERM');
    assert.equal(await dev.exited, 0, dev.output().slice(-3000));
    assert.match(dev.output(), /dev +\| stopped$/m);
    assert.throws(() => process.kill(workerPid, 0), 'the worker is gone');
    for (const port of new Set(ports)) assert.equal(await listening(port), false, `port ${port} is free`);
  });
});

describe('geminiflow emulator and geminiflow receiver: one part alone, until one signal', () => {
  it('each serves where it says, and stops on its first signal, freeing its ports', { timeout: 180_000 }, async () => {
    const emulatorPort = await freePort();
    const emulator = spawnEntryPoint('example/cli.ts', {}, ['emulator', '--port', String(emulatorPort)]);
    const receiver = spawnEntryPoint(
      'example/cli.ts',
      {
        TEMPORAL_ADDRESS: testServerAddress(),
        RECEIVER_OPS_PORT: '0',
        GEMINIFLOW_ROUTING_KEYS: 'none',
        GEMINI_JWKS_URL: `http://127.0.0.1:${emulatorPort}/.well-known/jwks.json`,
      },
      ['receiver', '--port', String(await freePort())],
    );
    try {
      await eventually(
        async () =>
          emulator.output().includes(`Gemini emulator on http://127.0.0.1:${emulatorPort}`) ? true : undefined,
        `the emulator to serve (${emulator.output()})`,
        60_000,
      );
      const jwks = (await (await fetch(`http://127.0.0.1:${emulatorPort}/.well-known/jwks.json`)).json()) as {
        keys: unknown[];
      };
      assert.ok(jwks.keys.length > 0);
      const [, url, opsUrl] = await eventually(
        async () => /receiver on (\S+) \(operations (\S+)\)/.exec(receiver.output()) ?? undefined,
        `the receiver to serve (${receiver.output()})`,
        60_000,
      );
      await eventually(
        async () => ((await fetch(`${opsUrl}/readyz`)).ok ? true : undefined),
        'the receiver to be ready',
      );

      emulator.child.kill('SIGINT');
      receiver.child.kill('SIGTERM');
      assert.equal(await exitOf(emulator), 0, emulator.output());
      assert.equal(await exitOf(receiver), 0, receiver.output());
      for (const port of [emulatorPort, Number(new URL(url!).port), Number(new URL(opsUrl!).port)]) {
        assert.equal(await listening(port), false, `port ${port} is free`);
      }
    } finally {
      await emulator.kill();
      await receiver.kill();
    }
  });
});
