import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from './output';

/** What `geminiflow dev` may read from the project's package.json, under `"geminiflow"`. */
export interface ProjectDevSettings {
  /** The worker entry, relative to the project: `"worker": "src/worker.ts"`. */
  worker?: string;
  /** The task queue the worker polls and the receiver hosts its own workflows on. */
  taskQueue?: string;
}

/** The project a command runs in: the nearest folder with a package.json, from the working directory up. */
export interface Project {
  root: string;
  name?: string;
  /** This repository itself, whose npm scripts run each part from source. */
  isGeminiflowCheckout: boolean;
  dev: ProjectDevSettings;
}

export function findProject(from = process.cwd()): Project | undefined {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) return projectAt(dir, file);
    if (path.dirname(dir) === dir) return undefined;
  }
}

function projectAt(root: string, file: string): Project {
  let manifest: { name?: unknown; scripts?: Record<string, unknown>; geminiflow?: unknown };
  try {
    manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const settings = manifest.geminiflow;
  if (settings !== undefined && (typeof settings !== 'object' || settings === null || Array.isArray(settings))) {
    throw new UsageError(`"geminiflow" in ${file} must be an object, e.g. { "worker": "src/worker.ts" }`);
  }
  const dev: ProjectDevSettings = {};
  for (const key of ['worker', 'taskQueue'] as const) {
    const value = (settings as Record<string, unknown> | undefined)?.[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' || !value.trim())
      throw new UsageError(`"geminiflow.${key}" in ${file} must be a string`);
    dev[key] = value;
  }
  const name = typeof manifest.name === 'string' ? manifest.name : undefined;
  return { root, name, isGeminiflowCheckout: name === 'geminiflow' && !!manifest.scripts?.worker, dev };
}

/** How a person starts a worker where this command runs: this repository's script, or `geminiflow dev` in a project. */
export function workerStartHint(project = findProject()): string {
  if (project?.isGeminiflowCheckout) return 'npm run worker';
  if (project?.dev.worker) return 'npx geminiflow dev';
  return 'your worker process; for local work, npx geminiflow dev --worker <your worker file>';
}
