import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { type ScaleFigures, scaleRun, scaleTable } from '../bench/cluster-scale';
import { runMain } from '../common/errors';
import { projectRoot, toolsDir } from '../common/paths';
import { temporalSettings } from '../temporal/settings';
import { waitForTemporal } from '../testing/dev-server';
import { bundleWorkflows } from '../worker/bundle';
import { type Cluster, startCluster, stopClusterIn } from './cluster/cluster';
import { holdPorts, inCi, wellKnownPorts } from './test-runner/held-ports';
import { runTestFiles, summary } from './test-runner/run-files';
import { testEnvironment } from './test-runner/test-env';

/**
 * `npm run test:cluster`: the tests of test/cluster/ on a real Temporal cluster: PostgreSQL with SQL visibility and two
 * server nodes, built and configured from docker-compose.yml's own files (scripts/cluster/), then a short scale run
 * beside the same run on a dev server. With `--address host:port --namespace ns` it runs against your cluster
 * instead, non-destructively: its own workflows on its own task queues, no namespace created, nothing killed.
 */
const program = new Command('test:cluster')
  .option(
    '--address <host:port>',
    "your cluster's frontend (TLS and API keys: TEMPORAL_* variables, as for the worker)",
  )
  .option(
    '--namespace <ns>',
    'namespace on your cluster (it must have, or let the worker register, the search attributes)',
  )
  .option('--scale <runs>', 'waiting runs in the scale run; 0 skips it', (v) => Number.parseInt(v, 10), 1000)
  .option('--hold-ports', "hold the local stack's well-known ports for the run (the default when CI is set)")
  .argument('[files...]', 'test files (default: every test/cluster/*.test.ts that fits the target)')
  .parse();
const opts = program.opts<{ address?: string; namespace?: string; scale: number; holdPorts?: boolean }>();

/** Files that create namespaces or kill server nodes: only on the cluster this command started. */
const ownClusterOnly = ['search-attributes.test.ts', 'node-loss.test.ts'];

const say = (line: string) => process.stdout.write(`${line}\n`);

function testFiles(own: boolean): string[] {
  if (program.args.length) return program.args;
  const all = fs
    .readdirSync(path.join(projectRoot, 'test', 'cluster'))
    .filter((f) => f.endsWith('.test.ts'))
    .sort();
  const chosen = own ? all : all.filter((f) => !ownClusterOnly.includes(f));
  if (!own)
    say(`not run against your cluster (they create namespaces or kill server nodes): ${ownClusterOnly.join(', ')}`);
  return chosen.map((f) => path.join('test', 'cluster', f));
}

runMain(async () => {
  const started = Date.now();
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'geminiflow-cluster-'));
  // PostgreSQL runs as an unprivileged user when this runs as root: it must be able to reach its folder inside.
  fs.chmodSync(workDir, 0o755);
  const clusterDir = path.join(workDir, 'cluster');
  let cluster: Cluster | undefined;
  let clusterStarted = false;
  // Whatever part of the cluster came up (a failed start included), from what its folder records.
  const stopCluster = async () => {
    if (!clusterStarted) return;
    clusterStarted = false;
    await stopClusterIn(clusterDir).catch((err) => say(`stopping the cluster: ${(err as Error).message}`));
  };
  const interrupted = new AbortController();
  process.once('SIGINT', () => {
    interrupted.abort();
    void stopCluster().then(() => process.exit(130));
  });
  const held = (opts.holdPorts ?? inCi()) ? await holdPorts(wellKnownPorts()) : undefined;
  if (held) say(held.report);
  let code = 1;
  try {
    let target: { address: string; namespace: string; frontends: string[] };
    if (opts.address) {
      const namespace = opts.namespace ?? process.env.TEMPORAL_NAMESPACE ?? 'default';
      target = { address: opts.address, namespace, frontends: [opts.address] };
    } else {
      clusterStarted = true;
      cluster = await startCluster({ dir: clusterDir, log: say });
      target = { address: cluster.frontends[0]!, namespace: cluster.namespace, frontends: cluster.frontends };
    }
    await waitForTemporal(
      temporalSettings({ ...process.env, TEMPORAL_ADDRESS: target.address }).connectionOptions,
      60_000,
    );
    say(
      `cluster ready after ${((Date.now() - started) / 1000).toFixed(1)} s: ${target.frontends.join(', ')}, namespace ${target.namespace}`,
    );

    fs.mkdirSync(path.join(toolsDir, 'cache'), { recursive: true });
    const bundle = await bundleWorkflows(
      path.join(toolsDir, 'cache', `workflow-bundle-${process.pid}.js`),
      require.resolve('../example/workflows'),
    );
    try {
      // One file at a time: they share the cluster, and one of them stops its nodes.
      const results = await runTestFiles(testFiles(!!cluster), {
        concurrency: 1,
        workDir,
        signal: interrupted.signal,
        env: testEnvironment({
          TEMPORAL_ADDRESS: target.address,
          TEMPORAL_NAMESPACE: target.namespace,
          GEMINIFLOW_CLUSTER_FRONTENDS: target.frontends.join(','),
          ...(cluster ? { GEMINIFLOW_CLUSTER_DIR: cluster.dir } : {}),
          GEMINIFLOW_TEST_WORKFLOW_BUNDLE: bundle,
          GEMINIFLOW_TEST_TMP: workDir,
        }),
      });
      say(summary(results));
      code = results.every((r) => r.passed) ? 0 : 1;
    } finally {
      fs.rmSync(bundle, { force: true });
    }
    if (code === 0 && opts.scale > 0) {
      say(
        `\nscale run: ${opts.scale} waiting runs finishing together, on the cluster, then on a dev server (reported, not asserted)`,
      );
      const connectionOptions = temporalSettings({
        ...process.env,
        TEMPORAL_ADDRESS: target.address,
      }).connectionOptions;
      // Reported, never a failure of the tests: a run that cannot finish says so in the table's place.
      const reported = (where: string, run: Promise<ScaleFigures>) =>
        run.catch((err: Error) => {
          say(`scale run on ${where} did not finish: ${err.message}`);
          return undefined;
        });
      const onCluster = await reported(
        'the cluster',
        scaleRun(cluster ? 'this cluster' : target.address, opts.scale, { ...target, connectionOptions }),
      );
      // The baseline runs alone: the cluster would otherwise take CPU from it.
      await stopCluster();
      const onDevServer = await reported('the dev server', scaleRun('dev server', opts.scale));
      say(scaleTable([onCluster, onDevServer].filter((r) => r !== undefined)));
    }
  } finally {
    await stopCluster();
    await held?.release();
    if (code === 0) fs.rmSync(workDir, { recursive: true, force: true });
    else say(`cluster logs kept in ${workDir}`);
  }
  say(`test:cluster ${code === 0 ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  process.exit(code);
});
