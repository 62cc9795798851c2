import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../common/paths';
import { eventually } from './eventually';

/** One block of the README's guide: a file to write (its first line is `// <path>`) or shell commands to run. */
export type GuideBlock = { kind: 'file'; path: string; content: string } | { kind: 'sh'; script: string };

/** The blocks of README.md's "Use it in your own project", in order, exactly as a reader copies them. */
export function readmeGuide(): GuideBlock[] {
  const readme = fs.readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
  const start = readme.indexOf('## Use it in your own project');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end);
  const blocks: GuideBlock[] = [];
  for (const [, lang, body] of section.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)) {
    if (lang === 'sh') {
      blocks.push({ kind: 'sh', script: body! });
      continue;
    }
    const named = /^\/\/ (\S+)\n/.exec(body!);
    if (named) blocks.push({ kind: 'file', path: named[1]!, content: body!.slice(named[0].length) });
  }
  return blocks;
}

/** The guide's files, by path. */
export function guideFiles(): Map<string, string> {
  return new Map(readmeGuide().flatMap((b) => (b.kind === 'file' ? [[b.path, b.content] as const] : [])));
}

export function writeFiles(dir: string, files: Map<string, string>) {
  for (const [file, content] of files) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  }
}

/**
 * npm as a user's shell has it, but quiet and from the local cache first: CI installs the same versions every run.
 * Values set here are npm's own configuration, so the commands run as the README writes them.
 */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    npm_config_prefer_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    npm_config_loglevel: 'error',
    ...extra,
  };
  // Nothing of this repository's test run leaks in: the project finds its own CLI and settings.
  for (const name of Object.keys(env)) {
    if (/^(TEMPORAL_|GEMINIFLOW_|GEMINI_|RECEIVER_)/.test(name) && !(name in extra)) delete env[name];
  }
  return env;
}

export function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const res = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 600_000 });
  return { status: res.status, out: `${res.stdout ?? ''}${res.stderr ?? ''}${res.error?.message ?? ''}` };
}

/** Runs a guide block with bash, in `cwd`; returns the folder it ended in (a block may `cd`). */
export function runShellBlock(script: string, cwd: string, env: NodeJS.ProcessEnv) {
  const markerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'geminiflow-cwd-'));
  const marker = path.join(markerDir, 'cwd');
  const res = run('bash', ['-euo', 'pipefail', '-c', `${script}\npwd > ${JSON.stringify(marker)}`], cwd, env);
  const endedIn = fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8').trim() : cwd;
  fs.rmSync(markerDir, { recursive: true, force: true });
  return { ...res, cwd: endedIn };
}

/** A block that keeps running (a server, the pipeline), in its own process group so it can be stopped whole. */
export class Background {
  private readonly child: ChildProcess;
  private output = '';
  readonly exited: Promise<number | null>;

  constructor(script: string, cwd: string, env: NodeJS.ProcessEnv) {
    this.child = spawn('bash', ['-euo', 'pipefail', '-c', script], {
      cwd,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    this.child.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  get out(): string {
    return this.output;
  }

  /** Why it ended, when it already has: for waits that should give up as soon as it dies. */
  endedEarly(): string | undefined {
    return this.child.exitCode !== null ? `exited (${this.child.exitCode}):\n${this.output.slice(-2000)}` : undefined;
  }

  async waitFor(pattern: RegExp, timeoutMs: number): Promise<void> {
    await eventually(
      async () => {
        if (this.child.exitCode !== null)
          throw new Error(`exited (${this.child.exitCode}) before ${pattern}:\n${this.output}`);
        return pattern.test(this.output) ? true : undefined;
      },
      `${pattern} in the output of a guide block (so far:\n${this.output.slice(-2000)})`,
      timeoutMs,
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** SIGTERM to the whole group (npx, node, the CLI), then SIGKILL if it lingers. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const group = -this.child.pid!;
    try {
      process.kill(group, 'SIGTERM');
    } catch {
      return;
    }
    const done = await Promise.race([
      this.exited.then(() => true),
      new Promise((r) => setTimeout(() => r(false), 10_000)),
    ]);
    if (!done) process.kill(group, 'SIGKILL');
  }
}

/** Every installed copy of `name` in a project, as `npm ls` lists them (one path per copy on disk). */
export function installedCopies(projectDir: string, name: string, env: NodeJS.ProcessEnv): string[] {
  const { out } = run('npm', ['ls', name, '--all', '--parseable'], projectDir, env);
  const suffix = `${path.sep}node_modules${path.sep}${name.split('/').join(path.sep)}`;
  return [...new Set(out.split('\n').filter((line) => line.endsWith(suffix)))];
}

export function versionOf(projectDir: string, name: string): string {
  return (
    JSON.parse(fs.readFileSync(path.join(projectDir, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
}

/** Every process below `pid` (children, theirs, ...), as `ps` lists them now. */
export function descendantsOf(pid: number): number[] {
  const { out } = run('ps', ['-eo', 'pid=,ppid='], '/', process.env);
  const children = new Map<number, number[]>();
  for (const line of out.trim().split('\n')) {
    const [child, parent] = line.trim().split(/\s+/).map(Number);
    children.set(parent!, [...(children.get(parent!) ?? []), child!]);
  }
  const found: number[] = [];
  for (let queue = [pid]; queue.length; ) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `geminiflow dev` as a guide block starts it, with what it printed: where Temporal and the receiver are. */
export class GuideDev extends Background {
  address = '';
  opsUrl = '';

  /** Waits until dev is up and the `n`th start of the worker polls its task queue. */
  async ready(n = 1, timeoutMs = 300_000): Promise<void> {
    await this.waitFor(/geminiflow dev is up/, timeoutMs);
    this.address = /Temporal +(127\.0\.0\.1:\d+) /.exec(this.out)![1]!;
    this.opsUrl = /\(operations (http:\/\/127\.0\.0\.1:\d+)\)/.exec(this.out)![1]!;
    await eventually(
      async () => {
        if (this.endedEarly()) throw new Error(`dev ${this.endedEarly()}`);
        return [...this.out.matchAll(/the worker \(pid \d+\) polls task queue/g)].length >= n ? true : undefined;
      },
      `the worker's start #${n} to poll (dev's output so far:\n${this.out.slice(-3000)})`,
      timeoutMs,
    );
  }

  /** The process of dev itself, below the shell and npx that started it. */
  devPid(): number {
    const { out } = run('ps', ['-o', 'pid=,args=', '-p', descendantsOf(this.pid).join(',')], '/', process.env);
    const line = out.split('\n').find((l) => /^\s*\d+ \S*node \S*geminiflow dev\b/.test(l));
    if (!line) throw new Error(`no geminiflow dev process among:\n${out}`);
    return Number(line.trim().split(/\s+/)[0]);
  }

  /** The ports dev printed. */
  ports(): number[] {
    return [
      ...new Set(
        [...this.out.matchAll(/http:\/\/127\.0\.0\.1:(\d+)|127\.0\.0\.1:(\d+) \(namespace/g)].map((m) =>
          Number(m[1] ?? m[2]),
        ),
      ),
    ];
  }

  /** Webhook deliveries the receiver handed to Temporal, from its /metrics. */
  async deliveriesSignaled(): Promise<number> {
    const metrics = await (await fetch(`${this.opsUrl}/metrics`)).text();
    return metrics
      .split('\n')
      .filter((l) => l.startsWith('geminiflow_webhook_deliveries_total{') && /outcome="signaled"/.test(l))
      .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
  }
}
