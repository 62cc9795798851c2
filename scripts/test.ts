import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runMain } from '../common/errors';
import { projectRoot, toolsDir } from '../common/paths';
import { connectOrStartDevServer } from '../testing/dev-server';
import { resolveTemporalCli } from '../testing/temporal-cli';
import { bundleWorkflows } from '../worker/bundle';
import { holdPorts, inCi, wellKnownPorts } from './test-runner/held-ports';
import { runTestFiles, summary } from './test-runner/run-files';
import { installWhatFilesNeed } from './test-runner/slow-installs';
import { testEnvironment } from './test-runner/test-env';

/**
 * `npm test`: one real Temporal dev server (or the one at TEMPORAL_ADDRESS) shared by every test file, a workflow
 * bundle built once, then each file in a process of its own with bounded time (scripts/test-runner/). Arguments select
 * test files (default: all of test/); `--concurrency <n>` runs n files at once; `--hold-ports` (the default when CI is
 * set) holds the local stack's well-known ports for the whole run, so a test that binds one fails here.
 */
runMain(async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { concurrency: { type: 'string' }, 'hold-ports': { type: 'boolean' } },
  });
  const concurrency = Number(values.concurrency ?? Math.max(1, os.availableParallelism() - 1));
  const held = (values['hold-ports'] ?? inCi()) ? await holdPorts(wellKnownPorts()) : undefined;
  if (held) process.stdout.write(`${held.report}\n`);

  const files = positionals.length
    ? positionals
    : fs
        .readdirSync(path.join(projectRoot, 'test'))
        .filter((f) => f.endsWith('.test.ts'))
        .sort()
        .map((f) => path.join('test', f));
  // Before the dev server and every file's bound: a first build of a backend some files need takes minutes.
  await installWhatFilesNeed(files);

  const cli = await resolveTemporalCli();
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'geminiflow-test-'));
  const server = await connectOrStartDevServer({ dbFilename: path.join(workDir, 'temporal.db') });
  process.stdout.write(
    `Temporal ${server.owned ? 'dev server started' : 'server reused'} at ${server.address} (CLI: ${cli.source})\n`,
  );

  fs.mkdirSync(path.join(toolsDir, 'cache'), { recursive: true });
  // The example app's workflows (and the tests' own agents) with geminiflow's, bundled once so the many test workers
  // skip webpack.
  const bundle = await bundleWorkflows(
    path.join(toolsDir, 'cache', `workflow-bundle-${process.pid}.js`),
    require.resolve('../test/fixtures/workflows'),
  );

  const interrupted = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => interrupted.abort());
  const results = await runTestFiles(files, {
    concurrency,
    workDir,
    signal: interrupted.signal,
    env: testEnvironment({
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: server.namespace,
      TEMPORAL_CLI_PATH: cli.path,
      GEMINIFLOW_TEST_WORKFLOW_BUNDLE: bundle,
      GEMINIFLOW_TEST_TMP: workDir,
    }),
  });
  process.stdout.write(summary(results));

  await server.stop();
  await held?.release();
  fs.rmSync(bundle, { force: true });
  fs.rmSync(workDir, { recursive: true, force: true });
  process.exit(interrupted.signal.aborted ? 130 : results.every((r) => r.passed) ? 0 : 1);
});
