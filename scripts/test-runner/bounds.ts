import path from 'node:path';
import { projectRoot } from '../../common/paths';

/**
 * How long a test may take. Measured on a loaded two-core machine shared with other test runs (docs/testing.md,
 * "Bounded time"): the bounds sit well above the slowest legitimate run, so they only ever stop a test that hangs.
 */

/** Every test (`it`) unless it declares its own `{ timeout }`: the slowest ordinary test took about a minute. */
export const testTimeoutMs = 4 * 60_000;

/** How long a file's process may keep running after its last test ended before that counts as a leak. */
export const lingerMs = 60_000;

/** A whole file, unless it is listed below. */
export const defaultFileBoundMs = 15 * 60_000;

/** Files that legitimately take longer: real npm installs, a chaos run, the demo, a browser. */
const fileBounds: Record<string, number> = {
  'test/package.test.ts': 60 * 60_000,
  'test/chaos.test.ts': 30 * 60_000,
  'test/deploy-compose.test.ts': 45 * 60_000,
};

export function fileBoundMs(file: string): number {
  const relative = path.relative(projectRoot, path.resolve(projectRoot, file)).split(path.sep).join('/');
  return fileBounds[relative] ?? defaultFileBoundMs;
}

/** What the runner tells each file's process (file-guard.ts reads it there). */
export const fileEnv = {
  file: 'GEMINIFLOW_TEST_FILE',
  boundMs: 'GEMINIFLOW_TEST_FILE_BOUND_MS',
  reasonFile: 'GEMINIFLOW_TEST_REASON_FILE',
} as const;

export const duration = (ms: number) =>
  ms >= 120_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
