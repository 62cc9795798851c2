import path from 'node:path';
import type { Command } from 'commander';
import { untilStopped } from '../cli/commands/console';
import { examples } from '../cli/help';
import { positiveInt, print, UsageError } from '../cli/output';
import { toolsDir } from '../common/paths';
import { startLocalStack } from '../testing';
import { runDemo } from './demo/run-demo';
import { exampleTools } from './tool-implementations';

const number = (what: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${what} must be a positive number`);
  return n;
};

/** `stack` and `demo`: the whole system on this machine, running the example app. */
export function registerExampleCommands(program: Command): void {
  examples(
    program
      .command('stack')
      .description(
        'run the whole system here until Ctrl-C: a Temporal dev server with its Web UI (:7233, :8233), the Gemini ' +
          'emulator (:8790), the receiver (:8789, operations :8788) and a worker with the example app',
      ),
    'geminiflow stack',
    'TEMPORAL_ADDRESS=127.0.0.1:7233 geminiflow stack   # on a server you run yourself',
  ).action(async () => {
    const stack = await startLocalStack({
      temporal: process.env.TEMPORAL_ADDRESS
        ? { address: process.env.TEMPORAL_ADDRESS, namespace: process.env.TEMPORAL_NAMESPACE }
        : { dbFilename: path.join(toolsDir, 'data', 'temporal.db'), ui: true, port: 7233 },
      emulator: process.env.GEMINI_API_KEY ? false : { port: Number(process.env.GEMINI_EMULATOR_PORT ?? 8790) },
      receiver: {
        port: Number(process.env.RECEIVER_PORT ?? 8789),
        opsPort: Number(process.env.RECEIVER_OPS_PORT ?? 8788),
      },
      webhooks: 'both',
      worker: { workflowsPath: require.resolve('./workflows'), tools: [exampleTools()] },
    });
    print(
      [
        'geminiflow stack is up:',
        `  Temporal        ${stack.temporal.address} (namespace ${stack.temporal.namespace}, task queue ${stack.taskQueue})`,
        ...(stack.temporal.uiUrl ? [`  Temporal UI     ${stack.temporal.uiUrl}`] : []),
        stack.emulator
          ? `  Gemini emulator ${stack.emulator.baseUrl}`
          : '  Gemini API      the real one (GEMINI_API_KEY)',
        `  receiver        ${stack.receiver.url} (operations ${stack.receiver.opsUrl})`,
        '  people          geminiflow console (set GEMINIFLOW_CONSOLE_TOKENS; geminiflow console token <name> makes one)',
        'Ctrl-C stops it.',
      ].join('\n'),
    );
    await untilStopped();
    await stack.stop();
  });

  examples(
    program
      .command('demo')
      .description(
        'the flagship pipeline end to end here: Deep Research, a batch of follow-ups, then an agent whose publish call ' +
          'waits for you (at the terminal, or in the console); without a terminal, or with --yes, the demo decides for you',
      )
      .option('--topic <text>', 'what to research', 'durable execution for long-running AI agents')
      .option('--follow-ups <n>', 'follow-up questions asked as one batch', positiveInt, 3)
      .option('--yes', "don't ask: approve on the person's behalf")
      .option('--deny', "with --yes or without a terminal: deny on the person's behalf instead")
      .option('--time-scale <n>', 'emulator speed-up: emulated ms per real ms', number('--time-scale'), 30),
    'npm run demo',
    'npm run demo -- --topic "tidal energy" --yes',
  ).action(async (o: { topic: string; followUps: number; yes?: boolean; deny?: boolean; timeScale: number }) => {
    await runDemo(o);
  });
}
