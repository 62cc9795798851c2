import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../common/paths';

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
const lock = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package-lock.json'), 'utf8')) as {
  lockfileVersion: number;
  packages: Record<string, LockEntry>;
};
const manifest = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as LockEntry;

/** Where npm finds `name` for the package at `from`: its own node_modules, then each parent's, then the root's. */
function resolve(from: string, name: string): string | undefined {
  for (let dir = from; ; dir = dir.slice(0, Math.max(0, dir.lastIndexOf('/node_modules/')))) {
    const candidate = `${dir ? `${dir}/` : ''}node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!dir) return undefined;
  }
}

describe('package-lock.json is complete, so `npm ci` works on any platform and leaves it unchanged', () => {
  it('is lockfile v3 and in step with package.json', () => {
    assert.equal(lock.lockfileVersion, 3);
    const root = lock.packages[''];
    assert.deepEqual(root.dependencies, manifest.dependencies);
    assert.deepEqual(root.devDependencies, manifest.devDependencies);
  });

  it('records every platform-optional package (the @swc/core and esbuild binaries of all platforms)', () => {
    // A lockfile written where only this platform's binaries were installed misses the others; `npm ci` then fails
    // with "Missing: @swc/core-darwin-arm64 from lock file" and `npm install` rewrites the file.
    const missing: string[] = [];
    for (const [at, entry] of Object.entries(lock.packages)) {
      for (const name of Object.keys(entry.optionalDependencies ?? {})) {
        if (!resolve(at, name)) missing.push(`${name} (for ${at || 'the root'})`);
      }
    }
    assert.deepEqual(missing, []);
    assert.ok(lock.packages['node_modules/@swc/core-darwin-arm64'], 'checked against a known platform package');
  });
});
