import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { runMain } from '../common/errors';
import { logger } from '../common/logger';
import { projectRoot } from '../common/paths';
import { exampleTools } from '../example/tool-implementations';
import { refundToolset } from '../test/fixtures/refund-tools';
import { startLocalStack } from '../testing';
import type { HistoryScenario } from './history-scenarios/scenario';

/**
 * `npx tsx scripts/record-histories.ts [name-substring…]`: runs every scenario in scripts/history-scenarios/*.ts (each
 * file exports `scenarios: HistoryScenario[]`) against a fresh dev server, the emulator and the receiver, and saves the
 * histories to test/histories/ for the replay test. Re-record only on purpose: a history stands for runs already in
 * flight, so a change that cannot replay an old one needs a patch, not a new recording.
 */
runMain(async () => {
  const filters = process.argv.slice(2);
  const scenarios = (await loadScenarios()).filter((s) => !filters.length || filters.some((f) => s.name.includes(f)));
  if (!scenarios.length) throw new Error(`no scenario matches ${filters.join(', ')}`);

  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'geminiflow-record-'));
  const stack = await startLocalStack({
    temporal: { dbFilename: path.join(workDir, 'temporal.db') },
    taskQueue: 'record-histories',
    emulator: { timeScale: 1 },
    receiver: { mailboxLookupTimeoutMs: 30_000, mailboxLingerTimeoutMs: 1000 },
    worker: {
      // The example app's workflows and the tests' own agents (the replay test's worker hosts both).
      workflowsPath: require.resolve('../test/fixtures/workflows'),
      tools: [exampleTools({ publishDir: path.join(workDir, 'published') }), refundToolset([])],
      config: { outputDir: path.join(workDir, 'output') },
    },
    logger: logger.child({}, { level: 'warn' }),
  });
  const { client, taskQueue, ai, receiver } = stack;
  const emulator = stack.emulator!;
  const outDir = path.join(projectRoot, 'test', 'histories');
  fs.mkdirSync(outDir, { recursive: true });

  try {
    for (const scenario of scenarios) {
      emulator.control.reset();
      const workflowId = `record-${scenario.name}-${Date.now()}`;
      const started = Date.now();
      const handles = [
        await scenario.run({ client, taskQueue, emulator, ai, workflowId, receiverUrl: receiver.url }),
      ].flat();
      for (const [i, handle] of handles.entries()) {
        const history = await handle.fetchHistory();
        const file = path.join(outDir, `${scenario.name}${handles.length > 1 ? `-${i + 1}` : ''}.json`);
        // proto JSON via @temporalio/proto itself: common's historyToJSON trips over a second protobufjs copy.
        const json = temporal.api.history.v1.History.fromObject(history).toJSON();
        // The workflow id is not in the history itself, and replay needs it (child ids derive from it).
        const saved = {
          workflowId: handle.workflowId,
          ...(withoutLocalPaths(withoutIdentities(json), workDir) as object),
        };
        fs.writeFileSync(file, `${JSON.stringify(saved, null, 1)}\n`);
        process.stdout.write(
          `recorded ${path.relative(projectRoot, file)} (${history.events?.length} events, ${Date.now() - started} ms)\n`,
        );
      }
    }
  } finally {
    await stack.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  }
});

async function loadScenarios(): Promise<HistoryScenario[]> {
  const dir = path.join(projectRoot, 'scripts', 'history-scenarios');
  const all: HistoryScenario[] = [];
  for (const file of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && f !== 'scenario.ts')
    .sort()) {
    const mod = (await import(path.join(dir, file))) as { scenarios?: HistoryScenario[] };
    all.push(...(mod.scenarios ?? []));
  }
  const names = new Set<string>();
  for (const s of all) {
    if (names.has(s.name)) throw new Error(`two scenarios are named ${s.name}`);
    names.add(s.name);
  }
  return all;
}

/**
 * Identities and sticky task queues are named `pid@hostname`; a committed history has no business naming this
 * machine. Replay reads neither.
 */
function withoutIdentities(value: unknown): unknown {
  // Stack traces name the recorder's checkout; keep paths relative to it.
  if (typeof value === 'string')
    return value.replaceAll(os.hostname(), 'recorder-host').replaceAll(`${projectRoot}/`, '');
  if (Array.isArray(value)) return value.map(withoutIdentities);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        k === 'identity' && typeof v === 'string' ? 'recorder' : withoutIdentities(v),
      ]),
    );
  }
  return value;
}

/** Payloads (base64 in proto JSON) may name the recorder's scratch folder; keep only the part below it. */
function withoutLocalPaths(value: unknown, dir: string): unknown {
  if (Array.isArray(value)) return value.map((v) => withoutLocalPaths(v, dir));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => {
        if (k !== 'data' || typeof v !== 'string') return [k, withoutLocalPaths(v, dir)];
        const text = Buffer.from(v, 'base64').toString('utf8');
        return [k, text.includes(dir) ? Buffer.from(text.replaceAll(`${dir}/`, '')).toString('base64') : v];
      }),
    );
  }
  return value;
}
