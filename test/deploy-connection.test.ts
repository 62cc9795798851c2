import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { SetupError } from '../common/errors';
import { receiverConfigFromEnv } from '../receiver/config';
import { type RunningReceiver, startReceiver } from '../receiver/server';
import { installRuntime } from '../temporal/runtime';
import { defaultTemporalAddress, temporalSettings } from '../temporal/settings';
import { eventually } from './helpers/eventually';
import { spawnEntryPoint } from './helpers/processes';
import { testLogger } from './helpers/receiver';
import { listenTcp } from './helpers/tcp-listener';
import { testTmpDir } from './helpers/temporal';

const dir = testTmpDir();
const certFile = path.join(dir, 'client.pem');
const keyFile = path.join(dir, 'client.key');
const caFile = path.join(dir, 'ca.pem');
fs.writeFileSync(certFile, '-----BEGIN CERTIFICATE-----\nclient-cert\n-----END CERTIFICATE-----\n');
fs.writeFileSync(keyFile, '-----BEGIN PRIVATE KEY-----\nclient-key\n-----END PRIVATE KEY-----\n');
fs.writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nserver-ca\n-----END CERTIFICATE-----\n');

const configFile = path.join(dir, 'temporal.toml');
fs.writeFileSync(
  configFile,
  [
    '[profile.default]',
    'address = "default-profile.internal:7233"',
    '',
    '[profile.cloud]',
    'address = "prod.a2b3c.tmprl.cloud:7233"',
    'namespace = "prod.a2b3c"',
    'api_key = "key-from-profile"',
    '',
    '[profile.mtls]',
    'address = "temporal.internal:7233"',
    'namespace = "payments"',
    '[profile.mtls.tls]',
    `client_cert_path = "${certFile}"`,
    `client_key_path = "${keyFile}"`,
    `server_ca_cert_path = "${caFile}"`,
    'server_name = "temporal.internal"',
    '',
  ].join('\n'),
);

/** Certificates arrive as bytes (Buffer or Uint8Array): compare what they say. */
const text = (bytes?: Uint8Array) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

/** A settings read that sees only these variables (HOME points nowhere, so no user config file is found). */
function settingsFrom(vars: Record<string, string>) {
  return temporalSettings({ HOME: dir, ...vars });
}

describe('Temporal connection settings (@temporalio/envconfig)', () => {
  it('defaults to the local address, namespace default and task queue geminiflow', () => {
    const s = settingsFrom({});
    assert.equal(s.address, defaultTemporalAddress);
    assert.equal(s.addressConfigured, false);
    assert.equal(s.namespace, 'default');
    assert.equal(s.taskQueue, 'geminiflow');
    assert.equal(s.connectionOptions.tls, undefined);
  });

  it('TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and TEMPORAL_TASK_QUEUE reach both connection kinds', () => {
    const s = settingsFrom({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_NAMESPACE: 'ops', TEMPORAL_TASK_QUEUE: 'q1' });
    assert.equal(s.addressConfigured, true);
    assert.equal(s.connectionOptions.address, 'temporal:7233');
    assert.equal(s.nativeConnectionOptions.address, 'temporal:7233');
    assert.equal(s.namespace, 'ops');
    assert.equal(s.taskQueue, 'q1');
  });

  it('TEMPORAL_API_KEY reaches the connection and turns TLS on (as Temporal Cloud needs); the summary hides it', () => {
    const s = settingsFrom({ TEMPORAL_ADDRESS: 'prod.a2b3c.tmprl.cloud:7233', TEMPORAL_API_KEY: 'secret-key' });
    assert.equal(s.connectionOptions.apiKey, 'secret-key');
    assert.equal(s.nativeConnectionOptions.apiKey, 'secret-key');
    assert.equal(s.connectionOptions.tls, true);
    assert.deepEqual(s.summary, {
      address: 'prod.a2b3c.tmprl.cloud:7233',
      namespace: 'default',
      tls: true,
      apiKey: true,
      profile: undefined,
    });
    assert.doesNotMatch(JSON.stringify(s.summary), /secret-key/);
  });

  it('TLS client certificates from files reach the connection as a certificate pair, with CA and server name', () => {
    const s = settingsFrom({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_TLS_CLIENT_CERT_PATH: certFile,
      TEMPORAL_TLS_CLIENT_KEY_PATH: keyFile,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: caFile,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    const tls = s.nativeConnectionOptions.tls;
    assert.ok(tls && typeof tls === 'object');
    assert.equal(text(tls.clientCertPair?.crt), fs.readFileSync(certFile, 'utf8'));
    assert.equal(text(tls.clientCertPair?.key), fs.readFileSync(keyFile, 'utf8'));
    assert.equal(text(tls.serverRootCACertificate), fs.readFileSync(caFile, 'utf8'));
    assert.equal(tls.serverNameOverride, 'temporal.internal');
    assert.equal(s.connectionOptions.tls, tls);
  });

  it('TEMPORAL_PROFILE picks a profile of the config file; TEMPORAL_CONFIG_FILE names the file', () => {
    const cloud = settingsFrom({ TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'cloud' });
    assert.equal(cloud.address, 'prod.a2b3c.tmprl.cloud:7233');
    assert.equal(cloud.namespace, 'prod.a2b3c');
    assert.equal(cloud.connectionOptions.apiKey, 'key-from-profile');
    assert.equal(cloud.summary.profile, 'cloud');

    const mtls = settingsFrom({ TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'mtls' });
    const tls = mtls.connectionOptions.tls;
    assert.ok(tls && typeof tls === 'object');
    assert.equal(text(tls.clientCertPair?.crt), fs.readFileSync(certFile, 'utf8'));
    assert.equal(tls.serverNameOverride, 'temporal.internal');
    assert.equal(mtls.namespace, 'payments');

    assert.equal(settingsFrom({ TEMPORAL_CONFIG_FILE: configFile }).address, 'default-profile.internal:7233');
  });

  it('the default config file is found under the user config folder, and variables override the profile', () => {
    const home = testTmpDir();
    fs.mkdirSync(path.join(home, '.config', 'temporalio'), { recursive: true });
    fs.copyFileSync(configFile, path.join(home, '.config', 'temporalio', 'temporal.toml'));
    const s = temporalSettings({ HOME: home, TEMPORAL_PROFILE: 'cloud', TEMPORAL_NAMESPACE: 'override' });
    assert.equal(s.address, 'prod.a2b3c.tmprl.cloud:7233');
    assert.equal(s.namespace, 'override');
  });

  it('empty values (compose passes `${VAR:-}` as "") count as unset', () => {
    const s = settingsFrom({ TEMPORAL_ADDRESS: '', TEMPORAL_API_KEY: '', TEMPORAL_TLS: '', TEMPORAL_NAMESPACE: ' ' });
    assert.equal(s.address, defaultTemporalAddress);
    assert.equal(s.connectionOptions.apiKey, undefined);
    assert.equal(s.connectionOptions.tls, undefined);
    assert.equal(s.namespace, 'default');
  });

  it('a missing profile or an unreadable certificate is a SetupError naming it, with no key in the message', () => {
    assert.throws(
      () => settingsFrom({ TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'nope', TEMPORAL_API_KEY: 'k-123' }),
      (err: Error) =>
        err instanceof SetupError && /Profile 'nope' not found/.test(err.message) && !/k-123/.test(err.message),
    );
    assert.throws(
      () =>
        settingsFrom({
          TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(dir, 'missing.pem'),
          TEMPORAL_TLS_CLIENT_KEY_PATH: keyFile,
        }),
      (err: Error) => err instanceof SetupError && /missing\.pem/.test(err.message),
    );
  });
});

/** A TCP listener that records the first bytes each client sends: a TLS ClientHello starts with 0x16 0x03. */
async function firstBytesListener() {
  const seen: Buffer[] = [];
  const listening = await listenTcp((socket) =>
    socket.once('data', (chunk) => {
      seen.push(chunk.subarray(0, 24));
      socket.destroy();
    }),
  );
  return {
    address: listening.address,
    close: listening.close,
    async first(timeoutMs = 10_000): Promise<Buffer> {
      await eventually(async () => seen[0], 'a client to connect and send its first bytes', timeoutMs);
      return seen[0]!;
    },
  };
}

const isClientHello = (b: Buffer) => b[0] === 0x16 && b[1] === 0x03;
const isHttp2Preface = (b: Buffer) => b.subarray(0, 3).toString() === 'PRI';

describe('a TLS setting makes the clients speak TLS on the wire', () => {
  before(() => installRuntime());

  const cases = [
    { name: 'Connection (grpc-js)', connect: (o: object) => Connection.connect({ ...o, connectTimeout: 2000 }) },
    { name: 'NativeConnection (Rust core)', connect: (o: object) => NativeConnection.connect(o) },
  ];
  for (const { name, connect } of cases) {
    for (const [setting, vars, expectTls] of [
      ['TEMPORAL_TLS=true', { TEMPORAL_TLS: 'true' }, true],
      ['TEMPORAL_API_KEY alone', { TEMPORAL_API_KEY: 'k' }, true],
      ['no TLS setting', {}, false],
    ] as const) {
      it(`${name}, ${setting}: ${expectTls ? 'a TLS ClientHello' : 'plaintext HTTP/2'}`, async () => {
        const listener = await firstBytesListener();
        const s = settingsFrom({ TEMPORAL_ADDRESS: listener.address, ...vars });
        const options = name.startsWith('Native') ? s.nativeConnectionOptions : s.connectionOptions;
        // The listener hangs up after the first bytes, so the connection itself fails; only what it sent matters.
        const attempt = connect(options).then(
          (c) => c.close(),
          () => undefined,
        );
        try {
          const bytes = await listener.first();
          assert.equal(isClientHello(bytes), expectTls, `first bytes: ${bytes.toString('hex')}`);
          if (!expectTls) assert.ok(isHttp2Preface(bytes));
        } finally {
          await listener.close();
          await attempt;
        }
      });
    }
  }
});

describe('the entry points connect with those settings', () => {
  it('the receiver speaks TLS to Temporal when its settings say so', async () => {
    const listener = await firstBytesListener();
    const env = {
      TEMPORAL_ADDRESS: listener.address,
      TEMPORAL_TLS: 'true',
      RECEIVER_PORT: '0',
      RECEIVER_OPS_PORT: '0',
      GEMINI_WEBHOOK_SECRETS: '',
      GEMINIFLOW_ROUTING_KEYS: 'none',
    };
    let receiver: RunningReceiver | undefined;
    try {
      receiver = await startReceiver({ ...receiverConfigFromEnv(env), ackTimeoutMs: 200, logger: testLogger });
      assert.ok(isClientHello(await listener.first()));
    } finally {
      await receiver?.stop();
      await listener.close();
    }
  });

  it('the real worker process speaks TLS to Temporal when its environment says so', async () => {
    const listener = await firstBytesListener();
    const worker = spawnEntryPoint('example/worker.ts', { TEMPORAL_ADDRESS: listener.address, TEMPORAL_TLS: 'true' });
    try {
      assert.ok(isClientHello(await listener.first(30_000)), worker.output());
    } finally {
      await worker.kill();
      await listener.close();
    }
  });
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));
