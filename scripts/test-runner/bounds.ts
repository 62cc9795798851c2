import path from 'node:path';
import { projectRoot } from '../../common/paths';

/**
 * How long a test may take. Measured beside a running `npm run stack` on a two-core machine shared with other test runs
 * (load average 15 to 19): the slowest ordinary test took 73 s and the slowest ordinary file 269 s (cli.test.ts). The
 * bounds sit well above that, so they stop a hang and never a slow machine (docs/testing.md, "Running tests").
 */

/** Every test and hook, unless it declares its own `{ timeout }`. */
export const testTimeoutMs = 4 * 60_000;

/** How long a file's process may keep running after its last test ended before that counts as a leak. */
export const lingerMs = 60_000;

/** A whole file, unless it is listed below. */
export const defaultFileBoundMs = 15 * 60_000;

/** Files that legitimately take longer: real npm installs, a chaos run, the demo three times, a Compose install. */
const fileBounds: Record<string, number> = {
  'test/package.test.ts': 60 * 60_000,
  'test/chaos.test.ts': 30 * 60_000,
  'test/demo.test.ts': 20 * 60_000,
  'test/deploy-compose.test.ts': 45 * 60_000,
};

export function fileBoundMs(file: string): number {
  const relative = path.relative(projectRoot, path.resolve(projectRoot, file)).split(path.sep).join('/');
  return fileBounds[relative] ?? defaultFileBoundMs;
}

/** What the runner tells each file's process (file-guard.mts reads it there). */
export const fileEnv = {
  file: 'GEMINIFLOW_TEST_FILE',
  boundMs: 'GEMINIFLOW_TEST_FILE_BOUND_MS',
  /** Where the guard writes its FileReport as the process exits. */
  resultFile: 'GEMINIFLOW_TEST_RESULT_FILE',
} as const;

/** What a file's guard saw: tests (not suites) by outcome, and why it ended the file, when it did. */
export interface FileReport {
  passed: number;
  failed: number;
  skipped: number;
  reason?: string;
}

export const duration = (ms: number) =>
  ms >= 120_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
