import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The module listing geminiflow's own workflows (mailbox, dead letter, the job workflows). */
export const geminiflowWorkflowsPath = require.resolve('../workflows/geminiflow-workflows');

/**
 * A worker bundles exactly one workflows module. To host geminiflow's workflows beside the user's, this writes a
 * small module that re-exports both, once per user module (the name is a hash of its path), and returns its path. The
 * bundler resolves Temporal's own modules from that module's folder, so it goes into the cache folder of the
 * node_modules that serves the user's workflows. It is an `.mjs` file: webpack reads a `.js` file by the `type` of the
 * nearest package.json, which is the user's, and in a `"type": "commonjs"` project `export` would not parse.
 */
export function withGeminiflowWorkflows(userWorkflowsPath?: string): string {
  if (!userWorkflowsPath) return geminiflowWorkflowsPath;
  const user = path.resolve(userWorkflowsPath);
  if (user === geminiflowWorkflowsPath) return user;
  const hash = createHash('sha256').update(`${user}\n${geminiflowWorkflowsPath}`).digest('hex').slice(0, 16);
  const combined = path.join(cacheDirFor(user), `workflows-${hash}.mjs`);
  const source = `export * from ${JSON.stringify(user)};\nexport * from ${JSON.stringify(geminiflowWorkflowsPath)};\n`;
  if (!fs.existsSync(combined) || fs.readFileSync(combined, 'utf8') !== source) {
    // Written to a private name first, then renamed, so workers starting side by side never read half a file.
    const temp = `${combined}.${process.pid}.tmp`;
    fs.writeFileSync(temp, source);
    fs.renameSync(temp, combined);
  }
  return combined;
}

function cacheDirFor(userWorkflowsPath: string): string {
  const entry = require.resolve('@temporalio/workflow', { paths: [path.dirname(userWorkflowsPath)] });
  const nodeModules = entry.slice(0, entry.lastIndexOf(`${path.sep}node_modules${path.sep}`) + '/node_modules'.length);
  const dir = path.join(nodeModules, '.cache', 'geminiflow');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
