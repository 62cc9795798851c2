import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Connection } from '@temporalio/client';
import { projectRoot } from '../common/paths';
import { freePort } from '../testing/dev-server';
import { registerFreshNamespace } from './helpers/deploy';
import { eventually } from './helpers/eventually';
import { geminiflow, type OperatorStack, startOperatorStack } from './helpers/operator-stack';
import { testServerAddress, testTmpDir } from './helpers/temporal';

interface Webhook {
  id: string;
  uri: string;
  state: string;
  subscribed_events: string[];
}

interface DoctorReport {
  ok: boolean;
  checks: { check: string; status: 'ok' | 'fail' | 'skip'; detail: string; fix?: string }[];
}

/** The checks doctor prints, one line each, in order. */
const checkNames = [
  'dependencies',
  'Temporal',
  'search attributes',
  'worker',
  'routing keys',
  'key set',
  'registered webhook',
  'webhook ping',
];

/** Writes `node_modules/<name>/package.json` files under `dir`: a tree as npm lays it out, without the code. */
function writeTree(dir: string, manifests: Record<string, Record<string, unknown>>) {
  for (const [where, manifest] of Object.entries(manifests)) {
    const folder = where === '.' ? dir : path.join(dir, where);
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, 'package.json'), JSON.stringify(manifest));
  }
}

/** The Temporal SDK at `version` as npm installs it: each package depending on the others at exactly that version. */
function temporalPackages(version: string, prefix = 'node_modules'): Record<string, Record<string, unknown>> {
  const deps: Record<string, string[]> = {
    client: ['common', 'proto'],
    worker: ['activity', 'client', 'common', 'proto', 'workflow'],
    workflow: ['common', 'proto'],
    activity: ['client', 'common'],
    common: ['proto'],
    proto: [],
    plugin: [],
    envconfig: ['common'],
  };
  return Object.fromEntries(
    Object.entries(deps).map(([name, on]) => [
      `${prefix}/@temporalio/${name}`,
      {
        name: `@temporalio/${name}`,
        version,
        dependencies: Object.fromEntries(on.map((d) => [`@temporalio/${d}`, version])),
      },
    ]),
  );
}

describe('geminiflow doctor on the dependencies of a project', () => {
  const geminiflowPeers = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')).peerDependencies;
  const pinned = ['client', 'worker', 'workflow', 'activity'];
  /**
   * A project as npm lays it out (seen in test/package.test.ts's real install): the packages it pins at 1.23.0; the
   * peers it did not pin (plugin, envconfig, common, proto) at their newest, 1.24.0, on top; and so a 1.23.0 copy of
   * common and proto under each pinned package.
   */
  const project = (pins: string[]) => {
    const dir = testTmpDir();
    const at23 = temporalPackages('1.23.0');
    const at24 = temporalPackages('1.24.0');
    const tree = { ...at24 };
    for (const name of pins) {
      tree[`node_modules/@temporalio/${name}`] = at23[`node_modules/@temporalio/${name}`]!;
      if (pins.includes('common')) continue;
      for (const dep of ['common', 'proto']) {
        tree[`node_modules/@temporalio/${name}/node_modules/@temporalio/${dep}`] =
          at23[`node_modules/@temporalio/${dep}`]!;
      }
    }
    writeTree(dir, {
      '.': {
        name: 'orders-app',
        dependencies: {
          geminiflow: 'file:../geminiflow-0.1.0.tgz',
          '@google/genai': '^3.6.1',
          ...Object.fromEntries(pins.map((n) => [`@temporalio/${n}`, '1.23.0'])),
        },
      },
      'node_modules/geminiflow': { name: 'geminiflow', version: '0.1.0', peerDependencies: geminiflowPeers },
      'node_modules/@google/genai': { name: '@google/genai', version: '3.6.1' },
      ...tree,
    });
    return dir;
  };
  const doctor = async (dir: string) => {
    const run = await geminiflow(['doctor', '--json', '--project', dir], {
      TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
      GEMINIFLOW_RECEIVER_OPS_URL: '',
    });
    return (JSON.parse(run.stdout) as DoctorReport).checks.find((c) => c.check === 'dependencies')!;
  };

  it('names the copies of @temporalio/common a partly pinned project holds, and the one command that fixes it', async () => {
    const check = await doctor(project(pinned));
    assert.equal(check.status, 'fail');
    assert.match(
      check.detail,
      new RegExp(
        '^5 copies of @temporalio/common: ' +
          '1\\.23\\.0 for @temporalio/client, @temporalio/worker, @temporalio/workflow, @temporalio/activity ' +
          '\\(4 copies: node_modules/@temporalio/client/node_modules/@temporalio/common and 3 more\\) and ' +
          '1\\.24\\.0 for geminiflow, @temporalio/envconfig \\(node_modules/@temporalio/common\\); ' +
          '5 copies of @temporalio/proto: ',
      ),
    );
    assert.equal(
      check.fix,
      'npm install @temporalio/plugin@1.23.0 @temporalio/envconfig@1.23.0 @temporalio/common@1.23.0 @temporalio/proto@1.23.0 --save-exact',
    );
  });

  it('passes on a project that pins every Temporal package geminiflow needs', async () => {
    const check = await doctor(project([...pinned, 'plugin', 'envconfig', 'common', 'proto']));
    assert.equal(check.status, 'ok', check.detail);
    assert.equal(check.detail, 'one copy of each Temporal package (1.23.0) and of @google/genai (3.6.1)');
  });

  it('merges copies of one version with npm dedupe, and brings an @google/genai geminiflow cannot use to its own', async () => {
    const all = [...pinned, 'plugin', 'envconfig', 'common', 'proto'];
    const unmerged = project(all);
    writeTree(unmerged, {
      'node_modules/@temporalio/worker/node_modules/@temporalio/common':
        temporalPackages('1.23.0')['node_modules/@temporalio/common']!,
    });
    const dedupe = await doctor(unmerged);
    assert.match(
      dedupe.detail,
      /^2 copies of @temporalio\/common: 1\.23\.0 for your project, .*@temporalio\/worker.* \(2 copies: /,
    );
    assert.equal(dedupe.fix, 'npm dedupe');

    // An @google/genai 2 on top (out of geminiflow's range), so npm gave geminiflow its own 3.6.1.
    const oldGenai = project(all);
    writeTree(oldGenai, {
      'node_modules/@google/genai': { name: '@google/genai', version: '2.30.0' },
      'node_modules/geminiflow/node_modules/@google/genai': { name: '@google/genai', version: '3.6.1' },
    });
    const genai = await doctor(oldGenai);
    assert.equal(
      genai.detail,
      '2 copies of @google/genai: 2.30.0 for your project (node_modules/@google/genai) and ' +
        '3.6.1 for geminiflow (node_modules/geminiflow/node_modules/@google/genai)',
    );
    assert.equal(genai.fix, 'npm install @google/genai@3.6.1');
  });
});

describe('geminiflow webhooks and doctor against the real stack', () => {
  let stack: OperatorStack;
  const cli = (args: string[], env: Record<string, string> = {}) => geminiflow(args, { ...stack.env, ...env });
  const webhooks = async () => {
    const run = await cli(['webhooks', 'list', '--json']);
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout) as Webhook[];
  };
  const pingsReceived = async () =>
    ((await (await fetch(`${stack.env.GEMINIFLOW_RECEIVER_OPS_URL}/status`)).json()) as { pingsReceived: number })
      .pingsReceived;
  /** Runs doctor and checks its shape: one line per check (and a summary), the exit code matching the failures. */
  const doctor = async (env: Record<string, string> = {}, args: string[] = []) => {
    const text = await cli(['doctor', '--ping-timeout', '5000', ...args], env);
    const lines = text.stdout.trim().split('\n');
    assert.equal(lines.length, checkNames.length + 1, text.stdout);
    for (const [i, name] of checkNames.entries()) {
      assert.match(lines[i]!, new RegExp(`^(ok  |FAIL|skip)  ${name} +\\S`), text.stdout);
    }
    const failing = lines.filter((l) => l.startsWith('FAIL'));
    assert.equal(text.code, failing.length ? 1 : 0, `${text.stdout}${text.stderr}`);
    for (const line of failing) assert.match(line, /; fix: \S/, 'a failed check says what to do');
    const line = (name: string) => lines.find((l) => l.slice(6).startsWith(name))!;
    return { text, line, failing };
  };

  before(async () => {
    // One failed delivery attempt disables a registered webhook here, so a dead endpoint is disabled at once.
    stack = await startOperatorStack({ worker: 'example', emulator: { disableWebhookAfterFailedAttempts: 1 } });
  });
  after(async () => {
    await stack?.stop();
  });

  it('webhooks list, create (the secret once, or into a 0600 file), rotate, ping and delete', async () => {
    const own = (await webhooks()).find((w) => w.uri === stack.receiver.url);
    assert.equal(own?.state, 'enabled');
    const table = await cli(['webhooks', 'list']);
    assert.match(
      table.stdout,
      new RegExp(`^${own!.id} +enabled +${stack.receiver.url.replace(/[.]/g, '\\.')} +9 `, 'm'),
    );

    const dir = testTmpDir();
    const secretFile = path.join(dir, 'secret');
    const created = await cli([
      'webhooks',
      'create',
      'https://hooks.example.com/a',
      '--secret-file',
      secretFile,
      '--events',
      'batch.succeeded,batch.failed',
    ]);
    assert.equal(created.code, 0, created.stderr);
    const secret = fs.readFileSync(secretFile, 'utf8').trim();
    assert.match(secret, /^whsec_/);
    assert.equal(fs.statSync(secretFile).mode & 0o777, 0o600);
    assert.ok(!created.stdout.includes(secret), 'a secret written to a file is not printed');
    const a = (await webhooks()).find((w) => w.uri === 'https://hooks.example.com/a')!;
    assert.deepEqual(a.subscribed_events, ['batch.succeeded', 'batch.failed']);

    const shown = await cli(['webhooks', 'create', 'https://hooks.example.com/b']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(shown.stdout.match(/whsec_\S+/g)?.length, 1, 'the new secret is shown once');
    assert.match(shown.stdout, /shown once; add it to the receiver's GEMINI_WEBHOOK_SECRETS/);

    assert.equal((await cli(['webhooks', 'rotate', a.id, '--revoke', 'soon'])).code, 2);
    const rotated = await cli(['webhooks', 'rotate', a.id, '--revoke', 'immediately', '--secret-file', secretFile]);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.match(rotated.stdout, /the old ones stop working now/);
    assert.notEqual(fs.readFileSync(secretFile, 'utf8').trim(), secret);

    const before = await pingsReceived();
    const pinged = await cli(['webhooks', 'ping', own!.id]);
    assert.equal(pinged.code, 0, pinged.stderr);
    await eventually(async () => ((await pingsReceived()) > before ? true : undefined), 'the ping at the receiver');

    for (const w of (await webhooks()).filter((w) => w.uri.startsWith('https://hooks.example.com/'))) {
      assert.equal((await cli(['webhooks', 'delete', w.id])).code, 0);
    }
    assert.ok(!(await webhooks()).some((w) => w.uri.startsWith('https://hooks.example.com/')));
    const missing = await cli(['webhooks', 'delete', 'no-such-webhook']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^geminiflow: delete no-such-webhook failed \(HTTP 404\)/);
  });

  it('doctor passes on a stack wired as in production: one line per check, exit 0', async () => {
    const { text, failing } = await doctor();
    assert.deepEqual(failing, []);
    assert.match(text.stdout, /^ok {4}routing keys +the worker's key "local" is the receiver's \(fingerprint \S+\)$/m);
    assert.match(text.stdout, /^ok {4}webhook ping +Gemini's ping reached the receiver/m);
    const report = JSON.parse((await cli(['doctor', '--json'])).stdout) as DoctorReport;
    assert.equal(report.ok, true);
    assert.deepEqual(
      report.checks.map((c) => c.check),
      checkNames,
    );
  });

  it('doctor fails on a namespace that lacks the search attributes', async () => {
    const admin = await Connection.connect({ address: testServerAddress() });
    const namespace = await registerFreshNamespace(admin).finally(() => admin.close());
    const { line, failing } = await eventually(async () => {
      const run = await doctor({ TEMPORAL_NAMESPACE: namespace });
      return run.line('search attributes').startsWith('FAIL') ? run : undefined;
    }, 'doctor to see the new namespace');
    assert.match(
      line('search attributes'),
      new RegExp(
        `namespace ${namespace} lacks GeminiResourceIds, GeminiWaitingFor, GeminiWaitingSince, GeminiPendingApprovals`,
      ),
    );
    assert.match(
      line('search attributes'),
      /fix: start the worker or the receiver once .*temporal operator search-attribute create/,
    );
    assert.ok(
      failing.every((l) => /search attributes|worker/.test(l)),
      failing.join('\n'),
    );
  });

  it('doctor fails when the worker and the receiver hold different routing keys, naming the key, never a secret', async () => {
    const other = randomBytes(32).toString('base64');
    const { line, failing, text } = await doctor({ GEMINIFLOW_ROUTING_KEYS: `local:${other}` });
    assert.match(
      line('routing keys'),
      /^FAIL {2}routing keys +key "local" differs between the worker \(fingerprint \S+\) and the receiver \(fingerprint \S+\); fix: /,
    );
    assert.deepEqual(failing, [line('routing keys')]);
    assert.ok(!text.stdout.includes(other) && !text.stdout.includes(stack.env.GEMINIFLOW_ROUTING_KEYS!.split(':')[1]!));
    const unknownKey = await doctor({ GEMINIFLOW_ROUTING_KEYS: `next:${other}` });
    assert.match(
      unknownKey.line('routing keys'),
      /the worker mints with key "next", which the receiver does not hold \(it holds: local\)/,
    );
  });

  it('doctor fails when the key set does not answer', async () => {
    const closed = await freePort();
    const { line, failing } = await doctor({
      GEMINIFLOW_RECEIVER_OPS_URL: '',
      GEMINI_JWKS_URL: `http://127.0.0.1:${closed}/.well-known/jwks.json`,
    });
    assert.match(
      line('key set'),
      new RegExp(
        `^FAIL {2}key set +http://127\\.0\\.0\\.1:${closed}/\\.well-known/jwks\\.json is unreachable \\(ECONNREFUSED\\)`,
      ),
    );
    assert.deepEqual(failing, [line('key set')]);
    assert.match(line('routing keys'), /^skip/);
  });

  it('doctor fails on a registered webhook Gemini disabled after failed deliveries; webhooks enable turns it back on', async () => {
    const dead = `http://127.0.0.1:${await freePort()}/webhooks/gemini`;
    assert.equal((await cli(['webhooks', 'create', dead, '--secret-file', path.join(testTmpDir(), 's')])).code, 0);
    const hook = (await webhooks()).find((w) => w.uri === dead)!;
    assert.equal((await cli(['webhooks', 'ping', hook.id])).code, 0);
    await eventually(
      async () =>
        (await stack.ai.webhooks.get(hook.id)).state === 'disabled_due_to_failed_deliveries' ? true : undefined,
      'the webhook disabled',
    );
    const listed = await cli(['webhooks', 'list']);
    assert.match(listed.stdout, new RegExp(`^${hook.id} +disabled_due_to_failed_deliveries `, 'm'));

    const { line } = await doctor({}, ['--webhook-url', dead]);
    assert.match(
      line('registered webhook'),
      new RegExp(
        `^FAIL {2}registered webhook +${hook.id} for \\S+ is disabled_due_to_failed_deliveries: Gemini sends it nothing; fix: .*geminiflow webhooks enable ${hook.id}`,
      ),
    );
    assert.match(line('webhook ping'), /^FAIL {2}webhook ping +no verified ping reached the receiver within 5000 ms/);

    assert.equal((await cli(['webhooks', 'enable', hook.id])).code, 0);
    assert.equal((await webhooks()).find((w) => w.id === hook.id)?.state, 'enabled');
    assert.equal((await cli(['webhooks', 'delete', hook.id])).code, 0);
  });
});
