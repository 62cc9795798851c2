import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { projectRoot } from '../common/paths';

/** The shipped code: the library, its entry points and the example app (tests, scripts and benchmarks excluded). */
const productDirs = ['common', 'workflows', 'activities', 'receiver', 'worker', 'emulator', 'client', 'testing', 'example', 'cli', 'console'];

function productFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(full);
    }
  };
  for (const dir of productDirs) if (fs.existsSync(path.join(projectRoot, dir))) walk(path.join(projectRoot, dir));
  return files;
}

/** Every import of a file (value and type-only alike), as written. */
function importsOf(file: string): string[] {
  return ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true).importedFiles.map((f) => f.fileName);
}

function resolveLocal(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), spec);
  return [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
}

const rel = (f: string) => path.relative(projectRoot, f);

describe('architecture', () => {
  const files = productFiles();

  it('no product source file is over 300 lines', () => {
    const long = files
      .map((f) => [rel(f), fs.readFileSync(f, 'utf8').trimEnd().split('\n').length] as const)
      .filter(([, lines]) => lines > 300);
    assert.deepEqual(long, []);
  });

  it('has no import cycles', () => {
    const graph = new Map(files.map((f) => [f, importsOf(f).map((s) => resolveLocal(f, s)).filter((t) => t !== undefined)]));
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, trail: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(file)), file].map(rel).join(' -> '));
        return;
      }
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) visit(next, [...trail, file]);
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);
    assert.deepEqual(cycles, []);
  });

  it('imports no SDK internals (@temporalio/*/lib/...)', () => {
    const internal = files.flatMap((f) => importsOf(f).filter((s) => /^@temporalio\/[^/]+\/lib\//.test(s)).map((s) => `${rel(f)}: ${s}`));
    assert.deepEqual(internal, []);
  });

  it('keeps the layers apart: activities and the receiver never import workflow code, workflows no Node APIs', () => {
    const offending: string[] = [];
    for (const f of files) {
      const where = rel(f).split(path.sep)[0];
      for (const spec of importsOf(f)) {
        const target = resolveLocal(f, spec);
        const targetDir = target && rel(target).split(path.sep)[0];
        if ((where === 'activities' || where === 'receiver') && targetDir === 'workflows') offending.push(`${rel(f)} -> ${spec}`);
        if (where === 'workflows' && (spec.startsWith('node:') || targetDir === 'activities' && !isTypeOnly(f, spec))) {
          offending.push(`${rel(f)} -> ${spec}`);
        }
      }
    }
    assert.deepEqual(offending, []);
  });

  it('the CLI and the console reach Temporal through geminiflow/client only (types aside)', () => {
    const offending = files
      .filter((f) => ['cli', 'console'].includes(rel(f).split(path.sep)[0]!))
      .flatMap((f) =>
        importsOf(f)
          .filter((spec) => /^@temporalio\/(client|worker|workflow|common)$/.test(spec) && !isTypeOnly(f, spec))
          .map((spec) => `${rel(f)} -> ${spec}`),
      );
    assert.deepEqual(offending, []);
  });
});

/** Workflows see activities only as types (for proxyActivities); a value import would pull I/O into the bundle. */
function isTypeOnly(file: string, spec: string): boolean {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  return source.statements.every(
    (s) =>
      !ts.isImportDeclaration(s) ||
      (s.moduleSpecifier as ts.StringLiteral).text !== spec ||
      Boolean(s.importClause?.isTypeOnly),
  );
}
