import { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import type { TestEvent } from 'node:test/reporters';
import { inspect } from 'node:util';
import { duration, type FileReport, fileEnv, lingerMs } from './bounds';

/**
 * A reporter that runs inside a test file's process (run-files.ts adds it beside `spec`) and ends the file with a
 * reason instead of letting it hang:
 * - every test ended, yet the process keeps running: something a test started (a server, a connection, a child
 *   process, a timer) outlived it; the file fails after `lingerMs`, naming what is still open;
 * - the file is still running at its bound: it fails, naming the test (or the suite whose hooks) it is in.
 * Its timers never keep the process alive themselves. Ending the process early loses `spec`'s closing list of
 * failures, so the guard prints the failures it saw. What it counted, and the reason, go to the file the runner reads.
 */
export default async function* fileGuard(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  const file = process.env[fileEnv.file] ?? process.argv[1] ?? 'this file';
  const boundMs = Number(process.env[fileEnv.boundMs]) || 0;
  /** The test or suite being run at each depth: `running[0]` is top-level. */
  const running: string[] = [];
  const failures: string[] = [];
  const result: FileReport = { passed: 0, failed: 0, skipped: 0 };
  let topLevel = 0;
  let linger: NodeJS.Timeout | undefined;
  const resultFile = process.env[fileEnv.resultFile];
  if (resultFile) process.once('exit', () => fs.writeFileSync(resultFile, JSON.stringify(result)));
  const fail = (reason: string): never => {
    result.reason = `${reason}. Still open: ${openResources()}.`;
    process.stderr.write(`\n${failures.join('\n')}\n✖ ${file}: ${result.reason}\n`);
    process.exit(1);
  };

  if (boundMs > 0) {
    setTimeout(() => {
      const where = running.length ? `"${running.join(' > ')}"` : 'outside any test (at import, or in a root hook)';
      fail(`did not finish within its bound of ${duration(boundMs)}: still running ${where}`);
    }, boundMs).unref();
  }

  for await (const event of source) {
    if (event.type === 'test:enqueue' && event.data.nesting === 0) {
      topLevel++;
      clearTimeout(linger);
    } else if (event.type === 'test:dequeue') {
      running.length = event.data.nesting;
      running.push(event.data.name);
    } else if (event.type === 'test:complete') {
      running.length = event.data.nesting;
      if (event.data.nesting === 0 && --topLevel === 0) {
        clearTimeout(linger);
        linger = setTimeout(
          () =>
            fail(
              `every test ended ${duration(lingerMs)} ago, but the process is still running: a test did not stop ` +
                'what it started (stop it in finally or after)',
            ),
          lingerMs,
        ).unref();
      }
    } else if (event.type === 'test:pass' && event.data.details.type !== 'suite') {
      if (event.data.skip || event.data.todo) result.skipped++;
      else result.passed++;
    } else if (event.type === 'test:fail') {
      if (event.data.details.type !== 'suite') result.failed++;
      const error = event.data.details.error as Error & { failureType?: string; cause?: unknown };
      if (error.failureType !== 'subtestsFailed') {
        const timedOut = error.failureType === 'testTimeoutFailure';
        const shown = error.cause && !timedOut ? inspect(error.cause, { depth: 4 }) : error.message;
        failures.push(`✖ ${event.data.name}\n  ${shown.split('\n').slice(0, 20).join('\n  ')}`);
      }
    }
  }
}

/** What keeps the event loop alive, as specific as Node lets us see it (servers, connections, child processes). */
function openResources(): string {
  const described: string[] = [];
  const handles = (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles?.() ?? [];
  for (const handle of handles) {
    if (handle instanceof net.Server) {
      const address = handle.address();
      described.push(
        `a server listening on ${typeof address === 'object' && address ? `${address.address}:${address.port}` : address}`,
      );
    } else if (handle instanceof ChildProcess) {
      described.push(`child process ${handle.pid} (${handle.spawnargs.join(' ').slice(0, 160)})`);
    } else if (handle instanceof net.Socket && handle.remotePort !== undefined) {
      described.push(
        `a connection ${handle.localAddress}:${handle.localPort} -> ${handle.remoteAddress}:${handle.remotePort}`,
      );
    }
  }
  // Pipes are the process's own output and its children's (listed above); the rest is counted by kind.
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) {
    if (kind !== 'PipeWrap' && kind !== 'TTYWrap') counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  const kinds = [...counts].map(([kind, n]) => (n > 1 ? `${kind} x${n}` : kind)).join(', ');
  return [...described, ...(kinds ? [`resources: ${kinds}`] : [])].join('; ') || 'nothing Node can name';
}
