import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../common/paths';

/** `npm run bench [name...]`: runs each benchmark in its own process, one after another, so they do not compete. */
const benchDir = path.join(projectRoot, 'bench');
const wanted = process.argv.slice(2);
const benches = fs
  .readdirSync(benchDir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();

let failed = 0;
for (const file of benches) {
  process.stdout.write(`\n== ${file}\n`);
  const res = spawnSync(process.execPath, ['--import', 'tsx', path.join(benchDir, file)], {
    cwd: projectRoot,
    stdio: 'inherit',
  });
  if (res.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
