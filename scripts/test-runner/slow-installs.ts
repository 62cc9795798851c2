import { spawn } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../common/paths';

/**
 * Tools a test file needs whose first install takes longer than a hook may (Jaeger is built from its Go module:
 * several minutes on two cores), by file. The runner installs them before any file starts, so a cold .tools/ never
 * counts against a test's or a file's bound; the file's own helper then finds them installed (each script is
 * idempotent and instant once done).
 */
const slowInstalls: Record<string, string> = {
  'test/tracing-otlp.test.ts': 'scripts/install-jaeger.sh',
};

/** Runs the install script of every selected file that has one, its progress on stderr; fails naming the script. */
export async function installWhatFilesNeed(files: string[]): Promise<void> {
  const selected = new Set(
    files.map((f) => path.relative(projectRoot, path.resolve(projectRoot, f)).split(path.sep).join('/')),
  );
  const scripts = [...new Set(Object.entries(slowInstalls).flatMap(([file, s]) => (selected.has(file) ? [s] : [])))];
  for (const script of scripts) {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('bash', [path.join(projectRoot, script)], { stdio: ['ignore', 'ignore', 'inherit'] });
      child.once('error', reject);
      child.once('exit', resolve);
    });
    if (code !== 0) throw new Error(`${script} failed (exit ${code}); its output is above`);
  }
}
