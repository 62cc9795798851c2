import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runMain } from '../common/errors';
import { projectRoot, toolsDir } from '../common/paths';
import { connectOrStartDevServer } from '../testing/dev-server';
import { resolveTemporalCli } from '../testing/temporal-cli';
import { bundleWorkflows } from '../worker/bundle';

/**
 * `npm test`: one real Temporal dev server (or the one at TEMPORAL_ADDRESS) shared by every test file, a workflow
 * bundle built once, then Node's test runner. Arguments select test files; the default is all of test/.
 */
runMain(async () => {
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

  const selected = process.argv.slice(2);
  const files = selected.length
    ? selected
    : fs
        .readdirSync(path.join(projectRoot, 'test'))
        .filter((f) => f.endsWith('.test.ts'))
        .sort()
        .map((f) => path.join('test', f));

  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
      cwd: projectRoot,
      stdio: 'inherit',
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: server.address,
        TEMPORAL_NAMESPACE: server.namespace,
        TEMPORAL_CLI_PATH: cli.path,
        GEMINIFLOW_TEST_WORKFLOW_BUNDLE: bundle,
        GEMINIFLOW_TEST_TMP: workDir,
      },
    });
    child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
  });

  await server.stop();
  fs.rmSync(bundle, { force: true });
  fs.rmSync(workDir, { recursive: true, force: true });
  process.exit(code);
});
