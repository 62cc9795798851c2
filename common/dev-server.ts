import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { searchAttributeKeys } from './contract';
import { SetupError } from './errors';
import { resolveTemporalCli } from './temporal-cli';

export interface DevServerOptions {
  /** Persistent SQLite file; the server keeps workflows across restarts only with one. */
  dbFilename: string;
  port?: number;
  namespace?: string;
  /** Serve the Web UI (on port + 1000 unless uiPort is given). */
  ui?: boolean;
  uiPort?: number;
  /** Where the server's own output goes; defaults to `<dbFilename>.log`. */
  logFile?: string;
  readyTimeoutMs?: number;
}

export interface DevServer {
  address: string;
  namespace: string;
  uiUrl?: string;
  /** True when this process started the server (and so stops it). */
  owned: boolean;
  pid?: number;
  /** Graceful stop: SIGTERM, then SIGKILL if it lingers. */
  stop(): Promise<void>;
  /** Abrupt stop, as a crash would be: SIGKILL. */
  kill(): Promise<void>;
}

const cliTypeNames: Record<SearchAttributeType, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Waits until the frontend answers a real RPC, not just until the port is open. */
export async function waitForTemporal(address: string, timeoutMs: number, exited?: () => string | undefined) {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const why = exited?.();
    if (why) throw new SetupError(why);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new SetupError(`Temporal at ${address} did not become ready in ${timeoutMs} ms: ${String(lastError)}`);
}

/**
 * Registers the project's search attributes on a server that already exists (a reused server, or a db file created
 * before an attribute was added); start-dev only registers `--search-attribute` on namespaces it creates.
 */
export async function ensureSearchAttributes(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = searchAttributeKeys.filter((k) => !(customAttributes && k.name in customAttributes));
    if (missing.length === 0) return;
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(
        missing.map((k) => [k.name, temporal.api.enums.v1.IndexedValueType[`INDEXED_VALUE_TYPE_${k.type}`]]),
      ),
    });
  } finally {
    await connection.close();
  }
}

function tail(file: string, bytes = 2000): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.slice(-bytes);
  } catch {
    return '';
  }
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Starts `temporal server start-dev` on a persistent db file, with the project's search attributes, and waits for it. */
export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const cli = await resolveTemporalCli();
  const port = opts.port ?? (await freePort());
  const namespace = opts.namespace ?? 'default';
  const address = `127.0.0.1:${port}`;
  fs.mkdirSync(path.dirname(opts.dbFilename), { recursive: true });
  const logFile = opts.logFile ?? `${opts.dbFilename}.log`;
  const uiPort = opts.ui ? (opts.uiPort ?? port + 1000) : undefined;

  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--namespace',
    namespace,
    '--db-filename',
    opts.dbFilename,
    '--log-level',
    'warn',
    '--dynamic-config-value',
    'limit.maxIDLength=255',
    ...(uiPort ? ['--ui-port', String(uiPort)] : ['--headless']),
    ...searchAttributeKeys.flatMap((k) => ['--search-attribute', `${k.name}=${cliTypeNames[k.type]}`]),
  ];
  const out = fs.openSync(logFile, 'a');
  const child = spawn(cli.path, args, { stdio: ['ignore', out, out] });
  fs.closeSync(out);

  let spawnError: Error | undefined;
  child.on('error', (err) => (spawnError = err));
  const exited = () => {
    if (spawnError) return `could not start ${cli.path}: ${spawnError.message}`;
    if (child.exitCode !== null || child.signalCode !== null) {
      return `the Temporal dev server exited (${child.exitCode ?? child.signalCode}) during start-up:\n${tail(logFile)}`;
    }
    return undefined;
  };
  try {
    await waitForTemporal(address, opts.readyTimeoutMs ?? 60_000, exited);
    await ensureSearchAttributes(address, namespace);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }

  return {
    address,
    namespace,
    uiUrl: uiPort ? `http://127.0.0.1:${uiPort}` : undefined,
    owned: true,
    pid: child.pid,
    async stop() {
      child.kill('SIGTERM');
      if (!(await waitForExit(child, 10_000))) {
        child.kill('SIGKILL');
        await waitForExit(child, 5_000);
      }
    },
    async kill() {
      child.kill('SIGKILL');
      await waitForExit(child, 5_000);
    },
  };
}

/**
 * The server every entry point uses: the one at TEMPORAL_ADDRESS when that is set (checked and given the project's
 * search attributes), otherwise a dev server started here on the given db file.
 */
export async function connectOrStartDevServer(opts: DevServerOptions): Promise<DevServer> {
  const existing = process.env.TEMPORAL_ADDRESS;
  if (existing) {
    const namespace = process.env.TEMPORAL_NAMESPACE ?? opts.namespace ?? 'default';
    await waitForTemporal(existing, opts.readyTimeoutMs ?? 15_000);
    await ensureSearchAttributes(existing, namespace);
    return { address: existing, namespace, owned: false, stop: async () => {}, kill: async () => {} };
  }
  return startDevServer(opts);
}
