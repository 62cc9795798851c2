import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { SetupError } from '../../common/errors';
import { projectRoot } from '../../common/paths';
import { freePort, waitForTemporal } from '../../testing/dev-server';
import { resolveTemporalCli } from '../../testing/temporal-cli';
import { type ComposeSettings, composeSettings } from './compose-settings';
import { type PostgresSettings, postgresBin, startPostgres, stopPostgres } from './postgres';
import {
  allocateNodePorts,
  frontendAddress,
  isAlive,
  killNode,
  type NodeState,
  startNode,
  stopNode,
} from './temporal-node';

const run = promisify(execFile);

/** What a cluster folder records, so another process (a test, `npm run cluster -- down`) can act on the same cluster. */
interface ClusterState {
  temporalVersion: string;
  namespace: string;
  postgres: PostgresSettings & { bin: string };
  serverBin: string;
  nodes: NodeState[];
}

export interface Cluster {
  dir: string;
  temporalVersion: string;
  namespace: string;
  /** One frontend address per node, in node order. */
  frontends: string[];
  /** SIGKILLs node `index` (0-based). */
  killNode(index: number): Promise<void>;
  /** Starts node `index` again on its ports, with the same settings; resolves once its frontend answers. */
  startNode(index: number): Promise<void>;
  /** Stops every node, then PostgreSQL. The folder (data and logs) stays. */
  stop(): Promise<void>;
}

const stateFile = (dir: string) => path.join(dir, 'cluster.json');

function readState(dir: string): ClusterState | undefined {
  return fs.existsSync(stateFile(dir))
    ? (JSON.parse(fs.readFileSync(stateFile(dir), 'utf8')) as ClusterState)
    : undefined;
}

function writeState(dir: string, state: ClusterState): void {
  // It holds the local database's password: readable by this user only.
  fs.writeFileSync(stateFile(dir), JSON.stringify(state, null, 2), { mode: 0o600 });
}

/** What the compose stack's `temporal` service gets, with the container-only values made local to this node. */
function nodeEnv(settings: ComposeSettings, pg: PostgresSettings): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ...settings.serverEnv,
    POSTGRES_SEEDS: '127.0.0.1',
    DB_PORT: String(pg.port),
    BIND_ON_IP: '127.0.0.1',
    TEMPORAL_BROADCAST_ADDRESS: '127.0.0.1',
    DYNAMIC_CONFIG_FILE_PATH: settings.dynamicConfigFile,
  };
}

async function runScript(what: string, script: string, env: Record<string, string>): Promise<void> {
  try {
    await run('sh', [script], { env, maxBuffer: 16 * 1024 * 1024, timeout: 10 * 60_000 });
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new SetupError(`${what} (${path.relative(projectRoot, script)}) failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

async function timed<T>(log: (line: string) => void, what: string, step: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await step();
  log(`cluster: ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return result;
}

/** Builds (once) the Temporal server and temporal-sql-tool of `version` (scripts/cluster/install-temporal-server.sh). */
async function temporalServerBin(version: string): Promise<string> {
  const script = path.join(projectRoot, 'scripts', 'cluster', 'install-temporal-server.sh');
  const { stdout } = await run('bash', [script, version], { maxBuffer: 64 * 1024 * 1024, timeout: 60 * 60_000 });
  return stdout.trim().split('\n').at(-1)!;
}

/**
 * A Temporal cluster on this machine from the compose stack's own files: PostgreSQL, the schema made by
 * compose/scripts/setup-postgres.sh, `nodes` server nodes (every service in each, distinct ports, one membership
 * ring through the database) with compose's dynamic config, and the namespace made by compose/scripts/create-namespace.sh.
 * Idempotent: what already runs in `dir` is kept, what is missing is started.
 */
export async function startCluster(opts: {
  dir: string;
  nodes?: number;
  log?: (line: string) => void;
}): Promise<Cluster> {
  const log = opts.log ?? (() => {});
  fs.mkdirSync(opts.dir, { recursive: true });
  const previous = readState(opts.dir);
  const password = previous?.postgres.password ?? randomBytes(18).toString('base64url');
  const settings = await timed(log, 'docker-compose.yml resolved', () =>
    composeSettings({ POSTGRES_PASSWORD: password }),
  );
  const serverBin = await timed(log, `Temporal server ${settings.temporalVersion} ready`, () =>
    temporalServerBin(settings.temporalVersion),
  );
  const pgBin = await postgresBin();
  const postgres = previous?.postgres ?? {
    bin: pgBin,
    dir: path.join(opts.dir, 'postgres'),
    port: await freePort(),
    user: settings.postgresUser,
    password,
  };
  const nodes: NodeState[] = previous?.nodes ?? [];
  for (let i = nodes.length; i < (opts.nodes ?? 2); i++) {
    nodes.push({
      name: `temporal-${i + 1}`,
      ports: await allocateNodePorts(),
      log: path.join(opts.dir, `temporal-${i + 1}.log`),
    });
  }
  const state: ClusterState = {
    temporalVersion: settings.temporalVersion,
    namespace: settings.namespaceSetup.env.TEMPORAL_NAMESPACE || 'default',
    postgres,
    serverBin: path.join(serverBin, 'temporal-server'),
    nodes,
  };
  // Recorded before anything starts, so a start that fails half-way can still be stopped (stopClusterIn).
  writeState(opts.dir, state);
  await timed(log, `PostgreSQL on 127.0.0.1:${postgres.port}`, () => startPostgres(postgres.bin, postgres));
  await timed(log, 'schemas by compose/scripts/setup-postgres.sh', () =>
    runScript('schema setup', settings.schemaSetup.script, {
      PATH: `${serverBin}:${process.env.PATH}`,
      ...settings.schemaSetup.env,
      POSTGRES_SEEDS: '127.0.0.1',
      DB_PORT: String(postgres.port),
      TEMPORAL_SCHEMA_DIR: path.join(serverBin, '..', 'schema'),
    }),
  );

  const env = nodeEnv(settings, postgres);
  fs.writeFileSync(path.join(opts.dir, 'node.env.json'), JSON.stringify(env), { mode: 0o600 });
  // One after the other: on a new database the first node writes the cluster's metadata, and a second node starting
  // at the same moment loses that race and exits ("failed to initialize current cluster metadata").
  await timed(log, `${nodes.length} Temporal nodes answering`, async () => {
    for (const node of nodes) {
      if (isAlive(node.pid)) {
        await waitForTemporal(frontendAddress(node), 60_000);
        continue;
      }
      node.pid = await startNode(state.serverBin, env, node);
      writeState(opts.dir, state);
    }
  });

  const cli = await resolveTemporalCli();
  const cliDir = path.join(opts.dir, 'bin');
  fs.mkdirSync(cliDir, { recursive: true });
  fs.rmSync(path.join(cliDir, 'temporal'), { force: true });
  fs.symlinkSync(cli.path, path.join(cliDir, 'temporal'));
  await timed(log, `namespace ${state.namespace} by compose/scripts/create-namespace.sh`, () =>
    runScript('namespace setup', settings.namespaceSetup.script, {
      PATH: `${cliDir}:${process.env.PATH}`,
      HOME: process.env.HOME ?? '/tmp',
      ...settings.namespaceSetup.env,
      TEMPORAL_ADDRESS: frontendAddress(nodes[0]!),
    }),
  );
  return openCluster(opts.dir);
}

/** The cluster recorded in `dir` (started by startCluster, maybe in another process). */
export function openCluster(dir: string): Cluster {
  const state = readState(dir);
  if (!state) throw new SetupError(`no cluster in ${dir}`);
  const node = (index: number) => {
    const n = readState(dir)!.nodes[index];
    if (!n) throw new Error(`the cluster has no node ${index}`);
    return n;
  };
  return {
    dir,
    temporalVersion: state.temporalVersion,
    namespace: state.namespace,
    frontends: state.nodes.map(frontendAddress),
    killNode: (index) => killNode(node(index)),
    async startNode(index) {
      const current = readState(dir)!;
      const target = current.nodes[index]!;
      if (isAlive(target.pid)) return;
      const env = JSON.parse(fs.readFileSync(path.join(dir, 'node.env.json'), 'utf8')) as Record<string, string>;
      target.pid = await startNode(current.serverBin, env, target);
      writeState(dir, current);
    },
    stop: () => stopClusterIn(dir),
  };
}

/** Stops every node, then PostgreSQL, of the cluster recorded in `dir`, however far its start got. */
export async function stopClusterIn(dir: string): Promise<void> {
  const state = readState(dir);
  if (!state) return;
  await Promise.all(state.nodes.map(stopNode));
  await stopPostgres(state.postgres.bin, state.postgres);
}
