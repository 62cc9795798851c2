import path from 'node:path';
import { Command } from 'commander';
import { runMain } from '../../common/errors';
import { projectRoot } from '../../common/paths';
import { openCluster, startCluster, stopClusterIn } from './cluster';

/**
 * `npm run cluster -- up|down`: the local Temporal cluster of `npm run test:cluster` (PostgreSQL and two server nodes,
 * built and configured from docker-compose.yml), kept running for your own use. `up` is idempotent.
 */
const program = new Command('cluster').option(
  '--dir <folder>',
  'where its data and logs live',
  path.join(projectRoot, '.data', 'cluster'),
);

program
  .command('up')
  .option('--nodes <n>', 'Temporal server nodes', (v) => Number.parseInt(v, 10), 2)
  .action((o: { nodes: number }) =>
    runMain(async () => {
      const { dir } = program.opts<{ dir: string }>();
      const cluster = await startCluster({
        dir,
        nodes: o.nodes,
        log: (line) => process.stdout.write(`${line}\n`),
      }).catch(async (err: unknown) => {
        await stopClusterIn(dir);
        throw err;
      });
      process.stdout.write(
        [
          `Temporal ${cluster.temporalVersion}, namespace ${cluster.namespace}, frontends: ${cluster.frontends.join(' ')}`,
          `  use it:   TEMPORAL_ADDRESS=${cluster.frontends[0]} npm run worker`,
          `  stop it:  npm run cluster -- down${dir === program.opts().dir ? '' : ` --dir ${dir}`}   (logs: ${dir})`,
          '',
        ].join('\n'),
      );
    }),
  );

program.command('down').action(() =>
  runMain(async () => {
    const { dir } = program.opts<{ dir: string }>();
    await openCluster(dir).stop();
    process.stdout.write(`cluster in ${dir} stopped (its data stays there)\n`);
  }),
);

program.parse();
