import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../common/paths';

/** A process a test started, with everything it printed. */
export interface TestProcess {
  child: ChildProcess;
  /** Everything it wrote so far (stdout and stderr interleaved). */
  output(): string;
  /** Resolves with the exit code (or the signal) once it ends. */
  exited: Promise<number | string>;
  /**
   * The first match of `pattern` in its output: fails as soon as the process exits without printing it, or after
   * `timeoutMs`, with what it printed.
   */
  waitFor(pattern: RegExp, what: string, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Sends `signal` (SIGKILL: a crash, not a shutdown) unless it has ended, and resolves once it has. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `command` with its output captured (and also shown, with `echo`, for processes whose logs explain failures). */
export function startProcess(
  command: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; echo?: boolean } = {},
): TestProcess {
  const child = spawn(command, args, {
    cwd: opts.cwd ?? projectRoot,
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (to: NodeJS.WriteStream) => (chunk: Buffer) => {
    output += chunk.toString();
    if (opts.echo) to.write(chunk);
  };
  child.stdout.on('data', collect(process.stdout));
  child.stderr.on('data', collect(process.stderr));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    output: () => output,
    exited,
    waitFor(pattern, what, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(output);
          if (match) done(() => resolve(match));
        };
        const onExit = () => done(() => reject(new Error(`exited before ${what}:\n${output}`)));
        const timer = setTimeout(
          () => done(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}:\n${output}`))),
          timeoutMs,
        );
        const done = (settle: () => void) => {
          clearTimeout(timer);
          child.stdout.off('data', check);
          child.stderr.off('data', check);
          child.off('exit', onExit);
          settle();
        };
        child.stdout.on('data', check);
        child.stderr.on('data', check);
        child.once('exit', onExit);
        check();
        if (!running()) onExit();
      });
    },
    async kill(signal = 'SIGKILL') {
      if (running()) child.kill(signal);
      await exited;
    },
  };
}

/** A real entry point of this project (`example/worker.ts`, `receiver/main.ts`, ...) as a user or a container runs it. */
export function spawnEntryPoint(entry: string, env: Record<string, string>, args: string[] = []): TestProcess {
  return startProcess(process.execPath, ['--import', 'tsx', path.join(projectRoot, entry), ...args], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
  });
}

/** The webhook URL a receiver process (`receiver/main.ts`, started with RECEIVER_PORT=0) logs once it listens. */
export async function receiverUrlOf(receiver: TestProcess, timeoutMs = 60_000): Promise<string> {
  const [, url] = await receiver.waitFor(
    /"url":"(http[^"]+)"[^\n]*"msg":"receiver listening"/,
    'the receiver to listen',
    timeoutMs,
  );
  return url!;
}

/** Waits for a process that must end by itself, failing the test if it is still running after `timeoutMs`. */
export async function exitOf(proc: TestProcess, timeoutMs = 60_000): Promise<number | string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still running after ${timeoutMs} ms:\n${proc.output()}`)), timeoutMs);
  });
  try {
    return await Promise.race([proc.exited, timeout]);
  } finally {
    clearTimeout(timer);
    await proc.kill();
  }
}

/** SIGKILLs a child process (a crash, not a shutdown) and resolves once it has exited. */
export function killChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** The arguments that make the example worker load the workflow bundle `npm test` built, instead of running webpack. */
export function workerBundleArgs(): string[] {
  const bundle = process.env.GEMINIFLOW_TEST_WORKFLOW_BUNDLE;
  return bundle ? ['--workflow-bundle', bundle] : [];
}

/**
 * A worker as a child process, so a test can kill it the way a crash or a deploy would: the real entry point
 * (`example/worker.ts`) unless another script is named. Its output goes to the test's.
 */
export function spawnWorkerProcess(
  env: Record<string, string>,
  script = path.join(projectRoot, 'example', 'worker.ts'),
  cwd = projectRoot,
  opts: { captureOutput?: boolean } = {},
): { child: ChildProcess; kill(): Promise<void>; output(): string } {
  const args = script === path.join(projectRoot, 'example', 'worker.ts') ? workerBundleArgs() : [];
  const stdio = opts.captureOutput ? 'pipe' : 'inherit';
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', stdio, stdio],
  });
  // Kept for the test (`output()`) and passed on, so the run's log still shows it.
  let output = '';
  if (opts.captureOutput) {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      process.stdout.write(chunk);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      process.stderr.write(chunk);
    });
  }
  return { child, kill: () => killChild(child), output: () => output };
}
