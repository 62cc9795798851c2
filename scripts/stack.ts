import path from 'node:path';
import { runMain } from '../common/errors';
import { toolsDir } from '../common/paths';
import { startLocalStack } from './local-stack';

/**
 * `npm run stack`: the whole system on this machine until Ctrl-C, on the documented ports, with the Temporal Web UI.
 * Workflows survive a restart of the stack: the dev server keeps its db file in .tools/data.
 */
runMain(async () => {
  const stack = await startLocalStack({
    dbFilename: path.join(toolsDir, 'data', 'temporal.db'),
    ui: true,
    temporalPort: 7233,
    emulatorPort: Number(process.env.GEMINI_EMULATOR_PORT ?? 8790),
    receiverPort: Number(process.env.RECEIVER_PORT ?? 8789),
  });
  process.stdout.write(
    [
      'geminiflow stack is up:',
      `  Temporal        ${stack.temporal.address} (namespace ${stack.temporal.namespace}, task queue ${stack.taskQueue})`,
      ...(stack.temporal.uiUrl ? [`  Temporal UI     ${stack.temporal.uiUrl}`] : []),
      stack.emulator ? `  Gemini emulator ${stack.emulator.baseUrl}` : '  Gemini API      the real one (GEMINI_API_KEY)',
      `  receiver        ${stack.receiver.url}`,
      'Ctrl-C stops it.',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await stack.stop();
});
