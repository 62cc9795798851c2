import assert from 'node:assert/strict';
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { projectRoot } from '../common/paths';

/** One row of CONTRIBUTING.md's layout table: what a folder may import. */
interface LayoutRule {
  folder: string;
  /** Folders of ours it may import anything from. */
  folders: Set<string>;
  /** Folders whose public entry point (`index.ts`) only it may import. */
  entries: Set<string>;
  /** Folders it may import types from, and nothing else. */
  typesOf: Set<string>;
  /** Outside packages it is limited to; empty when the row names none. */
  packages: Set<string>;
}

const entryFolders: Record<string, string> = {
  'geminiflow/workflow': 'workflows',
  'geminiflow/worker': 'worker',
  'geminiflow/receiver': 'receiver',
  'geminiflow/client': 'client',
  'geminiflow/testing': 'testing',
};

/** The layout table of CONTRIBUTING.md, read as data: the rows are the rules, and every folder must have one. */
function layoutRules(): Map<string, LayoutRule> {
  const text = fs.readFileSync(path.join(projectRoot, 'CONTRIBUTING.md'), 'utf8');
  const section = text.slice(text.indexOf('## Layout'), text.indexOf('\n## ', text.indexOf('## Layout') + 1));
  const rules = new Map<string, LayoutRule>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const folder = /^`([a-z-]+)\/`$/.exec(cells[1] ?? '')?.[1];
    if (!folder || cells.length < 5) continue;
    const rule: LayoutRule = {
      folder,
      folders: new Set(),
      entries: new Set(),
      typesOf: new Set(),
      packages: new Set(),
    };
    for (const m of cells[3]!.matchAll(/(types of )?`([^`]+)`/g)) {
      const [, typesOnly, token] = m as unknown as [string, string | undefined, string];
      if (token in entryFolders) rule.entries.add(entryFolders[token]!);
      else if (token.endsWith('/')) (typesOnly ? rule.typesOf : rule.folders).add(token.slice(0, -1));
      else rule.packages.add(token);
    }
    rules.set(folder, rule);
  }
  return rules;
}

/** The shipped code: the library, its entry points and the example app (tests, scripts and benchmarks excluded). */
const notProduct = new Set(['test', 'bench', 'scripts', 'node_modules', 'dist', 'docs', 'compose']);
const productDirs = fs
  .readdirSync(projectRoot, { withFileTypes: true })
  .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !notProduct.has(e.name))
  .map((e) => e.name);

function productFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(full);
    }
  };
  for (const dir of productDirs) walk(path.join(projectRoot, dir));
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
const topFolder = (f: string) => rel(f).split(path.sep)[0]!;
const packageName = (spec: string) =>
  spec
    .split('/')
    .slice(0, spec.startsWith('@') ? 2 : 1)
    .join('/');
const nodeBuiltins = new Set(builtinModules);

/** Whether every import of `spec` in `file` is `import type` (so nothing of it is loaded at run time). */
function isTypeOnly(file: string, spec: string): boolean {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  return source.statements.every(
    (s) =>
      !(ts.isImportDeclaration(s) || ts.isExportDeclaration(s)) ||
      (s.moduleSpecifier as ts.StringLiteral | undefined)?.text !== spec ||
      (ts.isImportDeclaration(s) ? Boolean(s.importClause?.isTypeOnly) : s.isTypeOnly),
  );
}

describe('architecture', () => {
  const files = productFiles();
  const rules = layoutRules();

  it("CONTRIBUTING.md's layout table has a row for every product folder", () => {
    assert.deepEqual(
      productDirs.filter((d) => !rules.has(d)).sort(),
      [],
      'add a row for each to the table in CONTRIBUTING.md',
    );
    assert.deepEqual(
      [...rules.keys()].filter((d) => !productDirs.includes(d)).sort(),
      [],
      'rows for folders that are gone',
    );
  });

  it("every import is one CONTRIBUTING.md's layout table allows", () => {
    const offending: string[] = [];
    for (const file of files) {
      const from = topFolder(file);
      const rule = rules.get(from);
      if (!rule) continue;
      for (const spec of importsOf(file)) {
        const target = resolveLocal(file, spec);
        if (!target) {
          if (spec.startsWith('.')) continue;
          const name = packageName(spec.replace(/^node:/, ''));
          const builtin = spec.startsWith('node:') || nodeBuiltins.has(name);
          if (rule.packages.size > 0 && (builtin || !rule.packages.has(name)))
            offending.push(`${rel(file)} -> ${spec}`);
          continue;
        }
        const to = topFolder(target);
        if (to === from || rule.folders.has(to)) continue;
        if (rule.entries.has(to) && rel(target) === path.join(to, 'index.ts')) continue;
        if (rule.typesOf.has(to) && isTypeOnly(file, spec)) continue;
        offending.push(`${rel(file)} -> ${rel(target)}`);
      }
    }
    assert.deepEqual(offending, []);
  });

  it('no product source file is over 300 lines', () => {
    const long = files
      .map((f) => [rel(f), fs.readFileSync(f, 'utf8').trimEnd().split('\n').length] as const)
      .filter(([, lines]) => lines > 300);
    assert.deepEqual(long, []);
  });

  it('has no import cycles', () => {
    const graph = new Map(
      files.map((f) => [
        f,
        importsOf(f)
          .map((s) => resolveLocal(f, s))
          .filter((t) => t !== undefined),
      ]),
    );
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
    const internal = files.flatMap((f) =>
      importsOf(f)
        .filter((s) => /^@temporalio\/[^/]+\/lib\//.test(s))
        .map((s) => `${rel(f)}: ${s}`),
    );
    assert.deepEqual(internal, []);
  });

  it('the CLI and the console reach Temporal through client/ only (types aside)', () => {
    const offending = files
      .filter((f) => ['cli', 'console'].includes(topFolder(f)))
      .flatMap((f) =>
        importsOf(f)
          .filter((spec) => /^@temporalio\/(client|worker|workflow|common)$/.test(spec) && !isTypeOnly(f, spec))
          .map((spec) => `${rel(f)} -> ${spec}`),
      );
    assert.deepEqual(offending, []);
  });
});
