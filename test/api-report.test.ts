import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../common/paths';
import { apiReports, entryPoints, updateCommand } from '../scripts/api-report';

describe('the public API (docs/api/*.api.md, read by API Extractor from the built declarations)', () => {
  it('has a report for every entry point package.json exports', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as {
      exports: Record<string, { types?: string }>;
    };
    const declared = Object.entries(manifest.exports)
      .filter(([, target]) => typeof target === 'object' && target.types)
      .map(([name, target]) => [name.slice(2), target.types!.replace(/^\.\/dist\//, '').replace(/\.d\.ts$/, '.ts')]);
    assert.deepEqual(declared.sort(), entryPoints.map((e) => [e.name, e.source]).sort());
  });

  it("lists each entry point's exports one by one: no `export *`", () => {
    const star = entryPoints.filter((e) =>
      /^\s*export\s*\*/m.test(fs.readFileSync(path.join(projectRoot, e.source), 'utf8')),
    );
    assert.deepEqual(
      star.map((e) => e.source),
      [],
    );
  });

  it('each entry point exports what its report records, and names every type its API uses', () => {
    const reports = apiReports();
    for (const r of reports) {
      assert.deepEqual(r.problems, [], `geminiflow/${r.entry}: export these types, or stop using them in its API`);
    }
    const changed = reports.filter((r) => r.changed);
    assert.deepEqual(
      changed.map((r) => r.file),
      [],
      changed
        .map((r) => `geminiflow/${r.entry} no longer matches ${r.file}:\n${r.diff.join('\n')}`)
        .concat(`A change to the public API: review it, then run \`${updateCommand}\` and commit docs/api/.`)
        .join('\n\n'),
    );
  });
});
