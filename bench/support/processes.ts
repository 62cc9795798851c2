import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from './stack';

/** A child process of the bench: a receiver, a worker or an emulator, started and killed as a unit of its own. */
export interface Child {
  name: string;
  process: ChildProcess;
  pid: number;
  /** SIGKILL, as a crash would; resolves once it is gone. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after 10 s. */
  stop(): Promise<void>;
  /** The tail of what it wrote to stderr (for a failure message). */
  stderrTail(): string;
}

export function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Runs a TypeScript entry point with tsx and resolves once its stdout shows `ready` (a regular expression). Extra
 * node flags (e.g. `--cpu-prof`) go in `nodeArgs`.
 */
export async function spawnTs(opts: {
  name: string;
  entry: string;
  env: Record<string, string | undefined>;
  ready: RegExp;
  nodeArgs?: string[];
  timeoutMs?: number;
}): Promise<Child> {
  // An undefined value removes the variable, so a child never inherits, say, a real API key.
  const env = Object.fromEntries(
    Object.entries({ ...process.env, ...opts.env }).filter((e): e is [string, string] => e[1] !== undefined),
  );
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', opts.entry], {
    cwd: projectRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const tail = () => stderr.trim().split('\n').slice(-15).join('\n');
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`${opts.name} was not ready in time:\n${tail()}`)),
      opts.timeoutMs ?? 60_000,
    );
    child.stdout!.on('data', (chunk: Buffer) => {
      if (out.length < 10_000) out += chunk.toString();
      if (opts.ready.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${opts.name} exited (${code ?? signal}) during start-up:\n${tail()}`));
    });
  });
  // Keep draining stdout so a chatty child never blocks on a full pipe.
  child.stdout!.resume();
  return {
    name: opts.name,
    process: child,
    pid: child.pid!,
    stderrTail: tail,
    async kill() {
      if (exited(child)) return;
      child.kill('SIGKILL');
      await waitForExit(child, 5000);
    },
    async stop() {
      if (exited(child)) return;
      child.kill('SIGTERM');
      if (!(await waitForExit(child, 10_000))) {
        child.kill('SIGKILL');
        await waitForExit(child, 5000);
      }
    },
  };
}

/** CPU time (user + system, ms) a process has used so far, from /proc; undefined where there is no /proc. */
export function cpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks at USER_HZ = 100
  } catch {
    return undefined;
  }
}

/** CPU ms used so far by each thread of a process, summed by thread name (main `node`, V8 workers, tokio, libuv). */
export function cpuMsByThread(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/[0-9]+$/, '#');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      byName.set(name, (byName.get(name) ?? 0) + ((Number(fields[11]) + Number(fields[12])) * 1000) / 100);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return byName;
}

/** The process's peak resident set size so far (VmHWM), in MB; the kernel keeps the high-water mark. */
export function peakRssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/** Bytes of a SQLite database with its write-ahead log and shared memory files. */
export function sqliteBytes(dbFile: string): number {
  return ['', '-wal', '-shm']
    .map((suffix) => `${dbFile}${suffix}`)
    .filter((f) => fs.existsSync(f))
    .reduce((sum, f) => sum + fs.statSync(f).size, 0);
}

export const benchSupportDir = __dirname;
export const workerEntry = path.join(__dirname, 'worker-process.ts');
