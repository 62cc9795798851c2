import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../output';
import type { DevLog } from './log';

const typescript = /\.(ts|mts|cts|tsx)$/;
const javascript = /\.(js|mjs|cjs)$/;

/** The user's worker entry, checked: a file that exists, in JavaScript or TypeScript. */
export function workerEntry(root: string, given: string): string {
  const file = path.resolve(root, given);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile())
    throw new UsageError(`the worker entry ${given} does not exist`);
  if (!typescript.test(file) && !javascript.test(file)) {
    throw new UsageError(
      `the worker entry ${given} is neither JavaScript (.js, .mjs, .cjs) nor TypeScript (.ts, .mts, .cts)`,
    );
  }
  return file;
}

/**
 * How the entry runs: JavaScript with Node itself; TypeScript through tsx, which geminiflow brings. Node's own type
 * stripping is no substitute: a `"type": "commonjs"` project's `.ts` files use `import` and `./tools.js`-style
 * specifiers, as tsc's node16 resolution wants, and Node runs neither in CommonJS.
 */
export function workerCommand(entry: string): string[] {
  return typescript.test(entry) ? ['--import', pathToFileURL(require.resolve('tsx')).href, entry] : [entry];
}

/**
 * The user's worker as a child process of its own (its own process group, so the terminal's Ctrl-C reaches it only
 * through dev, once), restarted on demand, stopped gracefully: SIGTERM lets the Temporal SDK finish the tasks in
 * hand; after `graceMs`, SIGKILL.
 */
export class WorkerProcess {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private readonly killOnExit = () => this.kill('SIGKILL');

  constructor(
    private readonly opts: { root: string; entry: string; env: NodeJS.ProcessEnv; log: DevLog; graceMs: number },
  ) {}

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    const { root, entry, env, log } = this.opts;
    const child = spawn(process.execPath, workerCommand(entry), {
      cwd: root,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    log.follow('worker', child.stdout!);
    log.follow('worker', child.stderr!);
    process.on('exit', this.killOnExit);
    this.exited = new Promise((resolve) => {
      child.once('error', (err) => {
        log.line('dev', `cannot start the worker: ${err.message}`);
        resolve();
      });
      child.once('exit', (code, signal) => {
        process.off('exit', this.killOnExit);
        if (this.child === child && !this.stopping) {
          log.line('dev', `the worker exited (${code ?? signal}); it starts again when a watched file changes`);
        }
        resolve();
      });
    });
  }

  private stopping = false;

  async stop(): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    try {
      this.kill('SIGTERM');
      const timer = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), this.opts.graceMs).unref());
      if ((await Promise.race([this.exited, timer])) === 'late') {
        this.opts.log.line('dev', `the worker did not stop within ${this.opts.graceMs} ms; killed`);
        this.kill('SIGKILL');
        await this.exited;
      }
    } finally {
      this.stopping = false;
    }
  }

  async restart(): Promise<void> {
    await this.stop();
    this.start();
  }

  private kill(signal: NodeJS.Signals): void {
    if (!this.running || !this.child?.pid) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // Gone already.
    }
  }
}
