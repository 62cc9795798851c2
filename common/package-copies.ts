import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from './paths';

/** One installed copy of a package, and what resolves to it. */
export interface PackageCopy {
  version: string;
  /** Where it is installed, relative to the project. */
  dir: string;
  /** The packages (or `your project`) whose imports of it land on this copy. */
  usedBy: string[];
}

export interface DoubledPackage {
  name: string;
  copies: PackageCopy[];
}

export interface DependencyReport {
  projectDir: string;
  /** Every watched package found, with its copies (most have one). */
  packages: Map<string, PackageCopy[]>;
  doubled: DoubledPackage[];
  /** One command, run in the project, that leaves one copy of each; undefined when nothing is doubled. */
  fix?: string;
}

/** The order a person names Temporal's packages in (the SDK's parts first); the rest follow. */
const temporalOrder = ['client', 'worker', 'workflow', 'activity', 'plugin', 'envconfig', 'common', 'proto'];
const watched = (name: string) => name.startsWith('@temporalio/') || name === '@google/genai';
const yourProject = 'your project';

interface Manifest {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

function readManifest(dir: string): Manifest {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
  } catch {
    return {};
  }
}

/** Node's lookup of a package from a folder: the nearest `node_modules/<name>` up the tree, by its real path. */
function locate(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    if (path.basename(dir) !== 'node_modules') {
      const candidate = path.join(dir, 'node_modules', name);
      if (fs.existsSync(path.join(candidate, 'package.json'))) return fs.realpathSync(candidate);
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

const dependencyNames = (m: Manifest, own: boolean) =>
  Object.keys({
    ...m.dependencies,
    ...m.peerDependencies,
    ...m.optionalDependencies,
    ...(own ? m.devDependencies : {}),
  });

/**
 * The project that installed geminiflow: the folder above the outermost `node_modules` it sits in (npm, yarn, pnpm
 * alike), or geminiflow's own checkout when it is not installed as a package.
 */
export function installingProjectDir(): string {
  const marker = `${path.sep}node_modules${path.sep}`;
  const at = projectRoot.indexOf(marker);
  return at < 0 ? projectRoot : projectRoot.slice(0, at);
}

/**
 * Every copy of the Temporal packages and of `@google/genai` that the project's imports, geminiflow's and theirs
 * resolve to, read from the disk as Node resolves them from the user's project (no network, no npm).
 */
export function inspectDependencies(projectDir: string): DependencyReport {
  const copies = new Map<string, Map<string, PackageCopy>>();
  const seen = new Set<string>();
  const queue: { dir: string; label: string; own: boolean }[] = [{ dir: projectDir, label: yourProject, own: true }];
  const geminiflow = locate('geminiflow', projectDir);
  if (geminiflow) queue.push({ dir: geminiflow, label: 'geminiflow', own: false });
  while (queue.length) {
    const { dir, label, own } = queue.shift()!;
    for (const name of dependencyNames(readManifest(dir), own).filter(watched)) {
      const found = locate(name, dir);
      if (!found) continue;
      const byDir = copies.get(name) ?? new Map<string, PackageCopy>();
      copies.set(name, byDir);
      const copy = byDir.get(found) ?? {
        version: readManifest(found).version ?? 'unknown',
        dir: path.relative(projectDir, found) || '.',
        usedBy: [],
      };
      byDir.set(found, copy);
      if (!copy.usedBy.includes(label)) copy.usedBy.push(label);
      if (!seen.has(found)) {
        seen.add(found);
        queue.push({ dir: found, label: name, own: false });
      }
    }
  }
  const packages = new Map([...copies].map(([name, byDir]) => [name, [...byDir.values()]]));
  const doubled = [...packages]
    .filter(([, list]) => list.length > 1)
    .map(([name, list]) => ({ name, copies: list }))
    .sort((a, b) => rank(a.name) - rank(b.name));
  // The copy an import from the project itself gets.
  const resolved = (name: string) => {
    const found = locate(name, projectDir);
    return found ? copies.get(name)?.get(found) : undefined;
  };
  return {
    projectDir,
    packages,
    doubled,
    ...(doubled.length ? { fix: fixCommand(projectDir, resolved, doubled) } : {}),
  };
}

function rank(name: string): number {
  const i = temporalOrder.indexOf(name.replace('@temporalio/', ''));
  return name === '@google/genai' ? 100 : i < 0 ? 50 : i;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map(Number);
  const pb = b.split(/[.-]/).map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/**
 * One `npm install` that brings every Temporal package to one version: the version the project pins exactly (pinned
 * packages stay as they are; the others follow, saved exact), else the newest installed. `@google/genai` follows the
 * copy geminiflow uses.
 */
function fixCommand(
  projectDir: string,
  resolved: (name: string) => PackageCopy | undefined,
  doubled: DoubledPackage[],
): string {
  // Copies of one version are npm's to merge.
  if (doubled.every((d) => new Set(d.copies.map((c) => c.version)).size === 1)) return 'npm dedupe';
  const own = readManifest(projectDir);
  const declared = { ...own.devDependencies, ...own.dependencies };
  const installs: string[] = [];
  let exact = false;

  if (doubled.some((d) => d.name.startsWith('@temporalio/'))) {
    const pins = Object.entries(declared)
      .filter(([name, range]) => name.startsWith('@temporalio/') && /^\d+\.\d+\.\d+$/.test(range))
      .map(([, range]) => range);
    const needed = Object.keys(readManifest(projectRoot).peerDependencies ?? {});
    const names = [...new Set([...needed, ...Object.keys(declared)])]
      .filter((n) => n.startsWith('@temporalio/'))
      .sort((a, b) => rank(a) - rank(b));
    const versions = names.flatMap((n) => resolved(n)?.version ?? []);
    const target = mostCommon(pins) ?? versions.sort(compareVersions).pop()!;
    exact = pins.length > 0;
    for (const name of names) {
      const version = resolved(name)?.version;
      if (version !== undefined && version !== target) installs.push(`${name}@${target}`);
    }
    if (!installs.length) return overrideFor(doubled[0]!.name, target);
  }
  const genai = doubled.find((d) => d.name === '@google/genai');
  if (genai) {
    const used = genai.copies.find((c) => c.usedBy.includes('geminiflow')) ?? genai.copies[0]!;
    if (resolved(genai.name) === used) return overrideFor(genai.name, used.version);
    installs.push(`${genai.name}@${used.version}`);
  }
  return `npm install ${installs.join(' ')}${exact ? ' --save-exact' : ''}`;
}

/** When the second copy comes from a package of someone else's, an override is the one-line way to one copy. */
function overrideFor(name: string, version: string): string {
  return `npm pkg set 'overrides.${name}=${version}' && npm install`;
}

function mostCommon(values: string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || compareVersions(a[0], b[0]))[0]?.[0];
}

/** The doubled packages in one sentence: per version, who uses it and where it is installed. */
export function describeDoubled(doubled: DoubledPackage[]): string {
  return doubled
    .map((d) => {
      const versions = [...new Set(d.copies.map((c) => c.version))].sort(compareVersions);
      const each = versions.map((v) => {
        const copies = d.copies.filter((c) => c.version === v);
        const users = [...new Set(copies.flatMap((c) => c.usedBy))].join(', ');
        const where =
          copies.length > 1
            ? `${copies.length} copies: ${copies[0]!.dir} and ${copies.length - 1} more`
            : copies[0]!.dir;
        return `${v} for ${users} (${where})`;
      });
      return `${d.copies.length} copies of ${d.name}: ${each.join(' and ')}`;
    })
    .join('; ');
}
