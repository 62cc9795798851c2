import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection, type ConnectionOptions } from '@temporalio/client';
import { SetupError } from '../common/errors';
import { searchAttributeKeys } from '../contract';
import { cliTypeName, ensureSearchAttributes } from '../temporal/search-attributes';
import { temporalSettings } from '../temporal/settings';
import { resolveTemporalCli } from './temporal-cli';

export interface DevServerOptions {
  /** Persistent SQLite file; the server keeps workflows across restarts only with one. */
  dbFilename: string;
  port?: number;
  namespace?: string;
  /** Serve the Web UI: on uiPort, else port + 1000 when a port is given (as start-dev does), else a free port. */
  ui?: boolean;
  uiPort?: number;
  /** Where the server's own output goes; defaults to `<dbFilename>.log`. */
  logFile?: string;
  /**
   * Run the server in a process group of its own, so a terminal's Ctrl-C reaches it only through this process, which
   * stops it after what depends on it (`geminiflow dev` stops the worker first). It is killed if this process exits.
   */
  ownProcessGroup?: boolean;
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

/** Whether nothing listens on host:port at this moment. */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/** Waits until the frontend answers a real RPC, not just until the port is open. */
export async function waitForTemporal(
  target: string | ConnectionOptions,
  timeoutMs: number,
  exited?: () => string | undefined,
) {
  const options = typeof target === 'string' ? { address: target } : target;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const why = exited?.();
    if (why) throw new SetupError(why);
    try {
      const connection = await Connection.connect({ ...options, connectTimeout: 1000 });
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
  throw new SetupError(`Temporal at ${options.address} did not become ready in ${timeoutMs} ms: ${String(lastError)}`);
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

/**
 * Starts `temporal server start-dev` on a persistent db file, with the project's search attributes, and waits for it.
 * Ports it chose itself were free a moment before the server bound them; if another process took one in between, it
 * tries again on new ones.
 */
export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freePort());
    const uiPort = opts.ui ? (opts.uiPort ?? (opts.port === undefined ? await freePort() : port + 1000)) : undefined;
    try {
      return await startDevServerOn(opts, port, uiPort);
    } catch (err) {
      const chosenHere = opts.port === undefined && (opts.uiPort === undefined || !opts.ui);
      if (!(chosenHere && attempt < 3 && /address already in use/i.test(String(err)))) throw err;
    }
  }
}

async function startDevServerOn(opts: DevServerOptions, port: number, uiPort: number | undefined): Promise<DevServer> {
  const cli = await resolveTemporalCli();
  const namespace = opts.namespace ?? 'default';
  const address = `127.0.0.1:${port}`;
  fs.mkdirSync(path.dirname(opts.dbFilename), { recursive: true });
  const logFile = opts.logFile ?? `${opts.dbFilename}.log`;

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
    ...searchAttributeKeys.flatMap((k) => ['--search-attribute', `${k.name}=${cliTypeName(k.type)}`]),
  ];
  const out = fs.openSync(logFile, 'a');
  const child = spawn(cli.path, args, { stdio: ['ignore', out, out], detached: opts.ownProcessGroup });
  fs.closeSync(out);
  const killOnExit = () => child.kill('SIGKILL');
  if (opts.ownProcessGroup) {
    process.on('exit', killOnExit);
    child.once('exit', () => process.off('exit', killOnExit));
  }

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
    // start-dev registers `--search-attribute` only on namespaces it creates, not on an existing db file's.
    await ensureSearchAttributes(
      { address, namespace, connectionOptions: { address } },
      { mode: 'register', reachTimeoutMs: 0 },
    );
  } catch (err) {
    child.kill('SIGKILL');
    await waitForExit(child, 5_000);
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
 * The server every entry point uses: the one TEMPORAL_ADDRESS (or a Temporal config profile) names, checked and given
 * the project's search attributes (see temporal/search-attributes.ts), otherwise a dev server started here on the given db file.
 */
export async function connectOrStartDevServer(opts: DevServerOptions): Promise<DevServer> {
  const settings = temporalSettings();
  if (settings.addressConfigured) {
    await waitForTemporal(settings.connectionOptions, opts.readyTimeoutMs ?? 15_000);
    await ensureSearchAttributes(settings, { reachTimeoutMs: 0 });
    const { address, namespace } = settings;
    return { address, namespace, owned: false, stop: async () => {}, kill: async () => {} };
  }
  return startDevServer(opts);
}
