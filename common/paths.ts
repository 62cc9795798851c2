import fs from 'node:fs';
import path from 'node:path';

/** The package's root (where package.json is), from source or from the built dist/ alike. */
function packageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return from;
  }
}

/** Repository root, so every tool resolves the same project-local folders wherever it is started from. */
export const projectRoot = packageRoot(path.resolve(__dirname, '..'));

/** Git-ignored folder for everything the project installs or generates for itself. */
export const toolsDir = path.join(projectRoot, '.tools');
