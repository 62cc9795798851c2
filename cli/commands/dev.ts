import path from 'node:path';
import type { Command } from 'commander';
import { type DevPortName, portOption } from '../dev/ports';
import { runDev } from '../dev/run-dev';
import { workerEntry } from '../dev/worker-process';
import { examples } from '../help';
import { UsageError } from '../output';
import { findProject } from '../project';
import type { GlobalOptions } from '../session';

interface DevFlags extends Partial<Record<`${DevPortName}Port`, number>> {
  worker?: string;
  watch: string[];
  ports?: string;
  stateDir?: string;
  console: boolean;
}

const portFlags: [DevPortName, string, string][] = [
  ['temporal', '--temporal-port <port>', 'the Temporal frontend (default 7233)'],
  ['ui', '--ui-port <port>', 'the Temporal Web UI (default 8233)'],
  ['emulator', '--emulator-port <port>', 'the Gemini emulator (default 8790)'],
  ['receiver', '--receiver-port <port>', 'the receiver (default 8789)'],
  ['receiverOps', '--receiver-ops-port <port>', "the receiver's operations listener (default 8788)"],
  ['console', '--console-port <port>', 'the console (default 8787)'],
];

/** `geminiflow dev`: the whole local system around the user's own worker, in the project it runs in. */
export function registerDev(program: Command): void {
  const dev = program
    .command('dev')
    .description(
      'run your project here until Ctrl-C: a Temporal dev server keeping its data in .geminiflow/, the Gemini ' +
        'emulator (the real API when GEMINI_API_KEY is set), the receiver, the console and your worker, restarted ' +
        'when its files change; one log, the URLs printed',
    )
    .option('--worker <file>', 'your worker entry, .js or .ts (default: "geminiflow": { "worker" } in package.json)')
    .option(
      '--watch <dir>',
      "a folder whose changes restart the worker (repeatable; default: the worker's folder)",
      (dir: string, dirs: string[]) => [...dirs, dir],
      [],
    )
    .option('--ports <auto>', 'auto: free ports, kept across restarts while free, instead of the well-known ones')
    .option('--state-dir <dir>', 'where dev keeps its database and state (default: .geminiflow in the project)')
    .option('--no-console', "don't serve the console");
  for (const [, flag, what] of portFlags) dev.option(flag, what, portOption);
  examples(dev, 'geminiflow dev --worker src/worker.ts', 'geminiflow dev --ports auto').action(
    async (o: DevFlags, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      if (globals.address) throw new UsageError('dev runs its own Temporal server; --temporal-port says where');
      if (o.ports !== undefined && o.ports !== 'auto') throw new UsageError('--ports takes only "auto"');
      const project = findProject();
      if (!project) throw new UsageError('no package.json here or above: run dev in your project');
      const given = o.worker ?? project.dev.worker;
      if (!given) {
        throw new UsageError(
          'which worker? give --worker src/worker.ts, or set it once: npm pkg set geminiflow.worker=src/worker.ts',
        );
      }
      const entry = workerEntry(o.worker ? process.cwd() : project.root, given);
      await runDev({
        project,
        entry,
        watch: o.watch.length ? o.watch.map((d) => path.resolve(d)) : [path.dirname(entry)],
        stateDir: path.resolve(project.root, o.stateDir ?? '.geminiflow'),
        autoPorts: o.ports === 'auto',
        ports: Object.fromEntries(portFlags.map(([name]) => [name, o[`${name}Port`]]).filter(([, p]) => p)),
        taskQueue: globals.taskQueue ?? process.env.TEMPORAL_TASK_QUEUE ?? project.dev.taskQueue ?? 'geminiflow',
        namespace: globals.namespace ?? 'default',
        console: o.console,
        env: process.env,
      });
    },
  );
}
