import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { geminiflowConfigFromEnv } from '../activities/config';
import { projectRoot } from '../common/paths';
import { optionsFromEnv } from '../emulator/env-options';
import { receiverConfigFromEnv } from '../receiver/config';
import { temporalSettings } from '../temporal/settings';

const run = promisify(execFile);

interface ComposeService {
  image?: string;
  build?: { context: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string | null>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  restart?: string;
  profiles?: string[];
  volumes?: { source?: string; target: string }[];
}
type ComposeConfig = { services: Record<string, ComposeService> };

let compose: string;

/**
 * `docker-compose config` with only the given variables, so nothing of the test run's own environment (its
 * TEMPORAL_ADDRESS, say) leaks into what the file resolves to.
 */
async function resolvedConfig(vars: Record<string, string>, extraArgs: string[] = []): Promise<ComposeConfig> {
  const { stdout } = await run(compose, ['-f', 'docker-compose.yml', ...extraArgs, 'config', '--format', 'json'], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...vars },
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout) as ComposeConfig;
}

/** What the process inside the container sees: compose passes an unset `${VAR:-}` as an empty string. */
function envOf(service: ComposeService): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, v ?? '']));
}

const ours = ['worker', 'receiver'];
const temporalStack = ['postgresql', 'temporal-admin-tools', 'temporal', 'temporal-create-namespace', 'temporal-ui'];

describe('docker-compose.yml, validated by a real Compose implementation', () => {
  before(
    async () => {
      // The project's own installer, so a fresh CI machine gets the tool the same way (a first build takes minutes).
      const { stdout } = await run('bash', [path.join(projectRoot, 'scripts', 'install-compose.sh')], {
        maxBuffer: 16 * 1024 * 1024,
        timeout: 30 * 60_000,
      });
      compose = stdout.trim().split('\n').at(-1)!;
      const { stdout: version } = await run(compose, ['version', '--short']);
      assert.match(version.trim(), /^2\.\d+\.\d+$/);
    },
    { timeout: 31 * 60_000 },
  );

  it('describes Temporal on PostgreSQL laid out as Temporal does it, plus the worker and the receiver', async () => {
    const { services } = await resolvedConfig({ POSTGRES_PASSWORD: 'pw-from-env' });
    assert.deepEqual(Object.keys(services).sort(), [...temporalStack, ...ours].sort(), 'the emulator only on request');

    assert.match(services.postgresql.image!, /^postgres:\d+/);
    assert.equal(services.postgresql.environment?.POSTGRES_PASSWORD, 'pw-from-env');
    assert.ok(services.postgresql.volumes?.some((v) => v.target === '/var/lib/postgresql/data' && v.source));

    const schema = services['temporal-admin-tools'];
    assert.match(schema.image!, /^temporalio\/admin-tools:/);
    assert.deepEqual(schema.command, ['/scripts/setup-postgres.sh']);
    assert.equal(schema.depends_on?.postgresql.condition, 'service_healthy');
    const script = fs.readFileSync(path.join(projectRoot, 'compose', 'scripts', 'setup-postgres.sh'), 'utf8');
    assert.match(script, /temporal-sql-tool --plugin postgres12/);
    for (const step of ['create', 'setup-schema -v 0.0', 'update-schema -d']) assert.ok(script.includes(step), step);

    const server = services.temporal;
    assert.match(server.image!, /^temporalio\/server:/);
    assert.equal(server.environment?.DB, 'postgres12');
    assert.equal(server.environment?.POSTGRES_SEEDS, 'postgresql');
    assert.equal(server.environment?.POSTGRES_PWD, 'pw-from-env');
    assert.equal(server.depends_on?.['temporal-admin-tools'].condition, 'service_completed_successfully');
    const dynamicConfig = server.environment?.DYNAMIC_CONFIG_FILE_PATH ?? '';
    assert.ok(fs.existsSync(path.join(projectRoot, 'compose', 'dynamicconfig', path.basename(dynamicConfig))));
    assert.match(services['temporal-ui'].image!, /^temporalio\/ui:/);
    assert.equal(services['temporal-ui'].environment?.TEMPORAL_ADDRESS, 'temporal:7233');

    for (const name of ours) {
      assert.equal(
        services[name].depends_on?.['temporal-create-namespace'].condition,
        'service_completed_successfully',
      );
      assert.equal(services[name].command?.[0], 'node', `${name} runs compiled JavaScript`);
      assert.match(services[name].command![1], /^dist\/(example\/worker|\w+\/main)\.js$/);
      assert.ok(services[name].build, `${name} is built from this project`);
    }
  });

  it('has health checks and restart policies: long-running services come back, one-shots retry a bounded number', async () => {
    const { services } = await resolvedConfig({ POSTGRES_PASSWORD: 'pw' }, ['--profile', 'emulator']);
    for (const name of ['postgresql', 'temporal', 'receiver', 'emulator']) {
      assert.ok(services[name].healthcheck?.test?.length, `${name} has a health check`);
    }
    assert.match(services.receiver.healthcheck!.test.join(' '), /\/readyz/);
    for (const name of ['postgresql', 'temporal', 'temporal-ui', 'worker', 'receiver', 'emulator']) {
      assert.equal(services[name].restart, 'unless-stopped', name);
    }
    for (const name of ['temporal-admin-tools', 'temporal-create-namespace']) {
      assert.match(services[name].restart ?? '', /^on-failure:\d+$/, name);
    }
  });

  it("gives the worker and the receiver every variable they need, read back through geminiflow's own parsers", async () => {
    const { services } = await resolvedConfig({
      POSTGRES_PASSWORD: 'pw',
      GEMINI_API_KEY: 'gemini-key-from-env',
      GEMINIFLOW_WEBHOOK_URL: 'https://hooks.example.com/webhooks/gemini',
      GEMINI_WEBHOOK_SECRETS: 'whsec_b2xkLXNlY3JldC0xMjM0NTY3ODkw whsec_bmV3LXNlY3JldC0xMjM0NTY3ODkw',
      GEMINIFLOW_ROUTING_KEYS: `prod:${Buffer.alloc(32, 5).toString('base64')}`,
      TEMPORAL_API_KEY: 'temporal-key-from-env',
      GEMINIFLOW_NOTIFY_URLS: 'https://ops.example.com/approvals',
      GEMINIFLOW_NOTIFY_SECRET: 'whsec_bm90aWZ5LXNlY3JldC0xMjM0NTY3ODkw',
      GEMINIFLOW_CONSOLE_URL: 'https://console.example.com',
    });
    const worker = envOf(services.worker);
    const receiver = envOf(services.receiver);
    // One routing key list for both: the worker signs each job's user_metadata with it, the receiver checks.
    assert.equal(geminiflowConfigFromEnv(worker).routingKey?.id, 'prod');
    assert.deepEqual(
      (receiverConfigFromEnv(receiver).routingKeys as readonly { id: string }[]).map((k) => k.id),
      ['prod'],
    );

    for (const env of [worker, receiver]) {
      const settings = temporalSettings(env);
      assert.equal(settings.address, 'temporal:7233');
      assert.equal(settings.namespace, 'default');
      assert.equal(settings.taskQueue, 'geminiflow');
      assert.equal(settings.nativeConnectionOptions.apiKey, 'temporal-key-from-env');
      assert.equal(env.GEMINIFLOW_REGISTER_SEARCH_ATTRIBUTES, 'true');
    }
    assert.equal(worker.GEMINI_API_KEY, 'gemini-key-from-env');
    assert.equal(worker.GEMINIFLOW_WEBHOOK_URL, 'https://hooks.example.com/webhooks/gemini');
    assert.equal(worker.GEMINI_EMULATOR_URL, '', 'no emulator unless asked for: the key is used');
    assert.ok(worker.GEMINIFLOW_OUTPUT_DIR?.startsWith('/data/'), 'outputs go to the volume the image user owns');
    assert.ok(services.worker.volumes?.some((v) => v.target === '/data'));
    assert.deepEqual(geminiflowConfigFromEnv(worker).notify, {
      urls: ['https://ops.example.com/approvals'],
      secret: 'whsec_bm90aWZ5LXNlY3JldC0xMjM0NTY3ODkw',
      slackUrls: [],
      consoleUrl: 'https://console.example.com',
    });

    assert.equal(worker.GEMINIFLOW_ROUTING_KEYS, receiver.GEMINIFLOW_ROUTING_KEYS, 'one routing key list for both');
    const config = receiverConfigFromEnv(receiver);
    assert.deepEqual(
      (config.routingKeys as readonly { id: string }[]).map((k) => k.id),
      ['prod'],
    );
    assert.equal(config.host, '0.0.0.0', 'reachable from outside its container');
    assert.equal(config.port, 8789);
    assert.equal(config.secrets?.length, 2);
    assert.equal(config.temporal.address, 'temporal:7233');
    assert.equal(config.temporal.connectionOptions?.apiKey, 'temporal-key-from-env');
  });

  it('points at a Temporal of your own (Temporal Cloud here) by environment alone', async () => {
    const { services } = await resolvedConfig({
      TEMPORAL_ADDRESS: 'prod.a2b3c.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'prod.a2b3c',
      TEMPORAL_TLS_CLIENT_CERT_PATH: '/certs/client.pem',
      TEMPORAL_TLS_CLIENT_KEY_PATH: '/certs/client.key',
      GEMINIFLOW_REGISTER_SEARCH_ATTRIBUTES: 'false',
    });
    for (const name of ours) {
      const env = envOf(services[name]);
      assert.equal(env.TEMPORAL_ADDRESS, 'prod.a2b3c.tmprl.cloud:7233');
      assert.equal(env.TEMPORAL_NAMESPACE, 'prod.a2b3c');
      assert.equal(env.TEMPORAL_TLS_CLIENT_CERT_PATH, '/certs/client.pem');
      assert.equal(env.GEMINIFLOW_REGISTER_SEARCH_ATTRIBUTES, 'false');
    }
  });

  it('the keyless trial adds the emulator, advertised by its service name, and points the worker and receiver at it', async () => {
    const { services } = await resolvedConfig({}, ['--env-file', 'compose/emulator.env']);
    assert.ok(services.emulator, 'compose/emulator.env turns the profile on');
    assert.deepEqual(services.emulator.profiles, ['emulator']);
    const emulator = envOf(services.emulator);
    assert.equal(optionsFromEnv(emulator).host, '0.0.0.0');
    const advertised = emulator.GEMINI_EMULATOR_PUBLIC_URL!;
    assert.equal(advertised, `http://emulator:${optionsFromEnv(emulator).port}`);
    assert.equal(envOf(services.worker).GEMINI_EMULATOR_URL, advertised);
    assert.equal(envOf(services.receiver).GEMINI_JWKS_URL, `${advertised}/.well-known/jwks.json`);
    assert.equal(envOf(services.worker).GEMINIFLOW_WEBHOOK_URL, 'http://receiver:8789/webhooks/gemini');
    assert.ok(envOf(services.worker).GEMINIFLOW_ROUTING_KEYS, 'the trial shares a routing key, so it starts');
    assert.equal(envOf(services.worker).GEMINIFLOW_ROUTING_KEYS, envOf(services.receiver).GEMINIFLOW_ROUTING_KEYS);
    assert.ok(receiverConfigFromEnv(envOf(services.receiver)).routingKeys?.length);
  });

  it('keeps secrets out of the file: none has a default value', () => {
    const text = fs.readFileSync(path.join(projectRoot, 'docker-compose.yml'), 'utf8');
    for (const name of [
      'POSTGRES_PASSWORD',
      'GEMINI_API_KEY',
      'GEMINI_WEBHOOK_SECRETS',
      'TEMPORAL_API_KEY',
      'GEMINIFLOW_ROUTING_KEYS',
    ]) {
      for (const match of text.matchAll(new RegExp(`\\$\\{${name}(:-([^}]*))?\\}`, 'g'))) {
        assert.equal(match[2] ?? '', '', `${name} has no default in docker-compose.yml`);
      }
    }
  });
});

describe('Dockerfile', () => {
  const text = fs.readFileSync(path.join(projectRoot, 'Dockerfile'), 'utf8');
  const stages = text.split(/^FROM /m).slice(1);

  it('builds in one stage and runs compiled JavaScript with production dependencies only, as a non-root user', () => {
    assert.equal(stages.length, 2);
    assert.match(text, /^ARG NODE_VERSION=24\.\d+\.\d+$/m, 'Node.js 24 LTS');
    const [build, runtime] = stages;
    assert.match(build, /AS build\n/);
    assert.match(build, /RUN npm ci /);
    assert.match(build, /RUN npm run build/);
    assert.match(runtime, /AS runtime\n/);
    assert.match(runtime, /RUN npm ci --omit=dev /);
    assert.match(runtime, /COPY --from=build \/app\/dist \.\/dist/);
    assert.match(runtime, /^USER node$/m);
    assert.match(runtime, /^CMD \["node", "dist\/example\/worker\.js"\]$/m);
    assert.doesNotMatch(runtime, /tsx|npm install/);
  });
});
