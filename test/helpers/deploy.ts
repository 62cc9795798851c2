import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { projectRoot } from '../../common/paths';
import { searchAttributeKeys } from '../../contract';
import { cliTypeName } from '../../temporal/search-attributes';
import { freePort, waitForTemporal } from '../../testing/dev-server';
import { resolveTemporalCli } from '../../testing/temporal-cli';
import { eventually } from './eventually';

export interface EntryPointProcess {
  child: ChildProcess;
  /** Everything it wrote so far (stdout and stderr interleaved). */
  output(): string;
  /** Resolves with the exit code (or the signal) once it ends. */
  exited: Promise<number | string>;
  kill(): Promise<void>;
}

/** A real entry point (`example/worker.ts`, `receiver/main.ts`) as a separate process, as a user or a container runs it. */
export function spawnEntryPoint(entry: string, env: Record<string, string>, args: string[] = []): EntryPointProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, entry), ...args], {
    cwd: projectRoot,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return {
    child,
    output: () => output,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Waits for a process that must refuse to start, failing the test if it is still running after `timeoutMs`. */
export async function exitOf(proc: EntryPointProcess, timeoutMs = 60_000): Promise<number | string> {
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

/**
 * A namespace nobody has configured, as a user's own cluster would have: made through the workflow service, and
 * usable once the server's namespace cache has it.
 */
export async function registerFreshNamespace(connection: Connection): Promise<string> {
  const namespace = `deploy-${randomUUID().slice(0, 8)}`;
  await connection.workflowService.registerNamespace({
    namespace,
    workflowExecutionRetentionPeriod: msToTs('1 day'),
  });
  await eventually(
    () =>
      connection.operatorService.listSearchAttributes({ namespace }).then(
        () => true,
        () => undefined,
      ),
    `namespace ${namespace} to be usable`,
  );
  return namespace;
}

/**
 * `temporal server start-dev` exactly as a user types it: no geminiflow flags, no search attributes, in memory (on
 * `port`, to come back where a stopped one was, forgetting everything).
 */
export async function startBareDevServer(port?: number): Promise<{ address: string; stop(): Promise<void> }> {
  const cli = await resolveTemporalCli();
  port ??= await freePort();
  const child = spawn(cli.path, ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port)], {
    stdio: 'ignore',
  });
  const address = `127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
  };
  try {
    await waitForTemporal(address, 60_000, () =>
      child.exitCode !== null ? `start-dev exited ${child.exitCode}` : undefined,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { address, stop };
}

/** A refusal names every attribute in both the Temporal CLI's and tcld's exact commands for the namespace. */
export function assertGivesBothCommands(message: string, namespace: string) {
  for (const key of searchAttributeKeys) {
    const type = cliTypeName(key.type);
    assert.match(
      message,
      new RegExp(
        `temporal operator search-attribute create --namespace ${namespace} .*--name ${key.name} --type ${type}\\b`,
      ),
    );
    assert.match(
      message,
      new RegExp(
        `tcld namespace search-attributes add --namespace ${namespace} .*--search-attribute "${key.name}=${type}"`,
      ),
    );
  }
  // The names the tools take, not the SDK's enum spelling.
  assert.match(message, /--search-attribute "GeminiResourceIds=KeywordList"/);
}
