import path from 'node:path';

/** Repository root, so every tool resolves the same project-local folders wherever it is started from. */
export const projectRoot = path.resolve(__dirname, '..');

/** Git-ignored folder for everything the project installs or generates for itself. */
export const toolsDir = path.join(projectRoot, '.tools');
