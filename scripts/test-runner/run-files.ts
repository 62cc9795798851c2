import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../common/paths';
import { duration, type FileReport, fileBoundMs, fileEnv, lingerMs, testTimeoutMs } from './bounds';
import { groupLeftovers, killGroup } from './process-group';

export interface FileResult {
  file: string;
  passed: boolean;
  ms: number;
  /** Its tests by outcome, as its guard counted them (absent when the process could not report). */
  tests?: Omit<FileReport, 'reason'>;
  /** Why it failed, when the runner knows more than the test output says. */
  reason?: string;
}

export interface RunOptions {
  /** The environment of every file's process. */
  env: NodeJS.ProcessEnv;
  /** Files run at once (each in its own process). */
  concurrency: number;
  /** Where the files' reasons are written. */
  workDir: string;
  signal?: AbortSignal;
  write?: (text: string) => void;
}

const guardReporter = path.join(__dirname, 'file-guard.mts');

/**
 * Runs each test file in a process of its own under Node's test runner, with a per-test timeout, the file guard (a
 * leak or the file's bound ends it with the reason) and, as a last resort, a kill of its whole process group shortly
 * after its bound. Processes a file leaves behind are killed and fail it.
 */
export async function runTestFiles(files: string[], opts: RunOptions): Promise<FileResult[]> {
  const write = opts.write ?? ((text: string) => process.stdout.write(text));
  const results: FileResult[] = [];
  const queue = files.map((file, index) => ({ file, index }));
  const stream = opts.concurrency <= 1;
  const lane = async () => {
    for (let next = queue.shift(); next && !opts.signal?.aborted; next = queue.shift()) {
      results.push(await runFile(next.file, next.index, { ...opts, stream, write }));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency) }, lane));
  return results.sort((a, b) => files.indexOf(a.file) - files.indexOf(b.file));
}

async function runFile(
  file: string,
  index: number,
  opts: RunOptions & { stream: boolean; write: (text: string) => void },
): Promise<FileResult> {
  const boundMs = fileBoundMs(file);
  const resultFile = path.join(opts.workDir, `file-${index}.json`);
  const started = Date.now();
  if (opts.stream) opts.write(`\n▶ ${file}\n`);
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      `--test-timeout=${testTimeoutMs}`,
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      `--test-reporter=${guardReporter}`,
      '--test-reporter-destination=stderr',
      file,
    ],
    {
      cwd: projectRoot,
      // Its own process group, so whatever it starts can be found and stopped with it.
      detached: true,
      stdio: ['ignore', opts.stream ? 'inherit' : 'pipe', opts.stream ? 'inherit' : 'pipe'],
      env: {
        ...opts.env,
        [fileEnv.file]: file,
        [fileEnv.boundMs]: String(boundMs),
        [fileEnv.resultFile]: resultFile,
      },
    },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d));
  child.stderr?.on('data', (d: Buffer) => (output += d));

  let killedWhy: string | undefined;
  const kill = (why: string) => {
    killedWhy ??= why;
    if (child.pid) killGroup(child.pid);
  };
  // The guard inside the file ends it at its bound; this only catches a process whose event loop is blocked.
  const hardStop = setTimeout(
    () => kill(`did not stop at its bound of ${duration(boundMs)} (its event loop was blocked): killed`),
    boundMs + lingerMs,
  );
  const onAbort = () => kill('interrupted');
  opts.signal?.addEventListener('abort', onAbort);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('exit', (c, s) => resolve([c, s])),
  );
  clearTimeout(hardStop);
  opts.signal?.removeEventListener('abort', onAbort);

  const report = fs.existsSync(resultFile)
    ? (JSON.parse(fs.readFileSync(resultFile, 'utf8')) as FileReport)
    : undefined;
  const reasons: string[] = [];
  if (killedWhy) reasons.push(killedWhy);
  else if (report?.reason) reasons.push(report.reason);
  else if (code !== 0) reasons.push(signal ? `ended by ${signal}` : 'a test failed (above)');
  const leftovers = child.pid ? await groupLeftovers(child.pid, 5_000) : [];
  if (leftovers.length) {
    reasons.push(`it left processes running (now killed): ${leftovers.map((p) => `${p.pid} ${p.command}`).join('; ')}`);
    killGroup(child.pid!);
  }
  const result: FileResult = {
    file,
    passed: reasons.length === 0,
    ms: Date.now() - started,
    tests: report && { passed: report.passed, failed: report.failed, skipped: report.skipped },
    reason: reasons.join('; ') || undefined,
  };
  if (!opts.stream) opts.write(`\n▶ ${file}\n${output}`);
  opts.write(`${result.passed ? '✔' : '✖'} ${file} ${result.passed ? 'passed' : 'FAILED'} in ${secs(result.ms)}\n`);
  return result;
}

const secs = (ms: number) => `${Math.round(ms / 1000)} s`;

/** One line per file, slowest first, with how much of its bound it used; failures with their reason. */
export function summary(results: FileResult[]): string {
  const failed = results.filter((r) => !r.passed);
  const count = (outcome: 'passed' | 'failed' | 'skipped') =>
    results.reduce((n, r) => n + (r.tests?.[outcome] ?? 0), 0);
  const skipped = count('skipped');
  const lines = [
    `\n${results.length - failed.length} of ${results.length} test files passed; tests: ${count('passed')} passed, ${count('failed')} failed${skipped ? `, ${skipped} skipped` : ''}`,
    ...[...results]
      .sort((a, b) => b.ms - a.ms)
      .map(
        (r) =>
          `  ${r.passed ? '✔' : '✖'} ${r.file.padEnd(42)} ${secs(r.ms).padStart(7)}  ${String(Math.round((100 * r.ms) / fileBoundMs(r.file))).padStart(3)}% of its bound  ${r.tests ? `${r.tests.passed}/${r.tests.passed + r.tests.failed + r.tests.skipped} tests` : ''}`,
      ),
    ...failed.map((r) => `✖ ${r.file}: ${r.reason}`),
  ];
  return `${lines.join('\n')}\n`;
}
