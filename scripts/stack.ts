import path from 'node:path';
import { runMain } from '../common/errors';
import { toolsDir } from '../common/paths';
import { exampleTools } from '../example/tool-implementations';
import { startLocalStack } from '../testing';

/**
 * `npm run stack`: the whole system on this machine until Ctrl-C, on the documented ports, with the Temporal Web UI.
 * Workflows survive a restart of the stack: the dev server keeps its db file in .tools/data.
 */
runMain(async () => {
  const stack = await startLocalStack({
    temporal: process.env.TEMPORAL_ADDRESS
      ? { address: process.env.TEMPORAL_ADDRESS, namespace: process.env.TEMPORAL_NAMESPACE }
      : { dbFilename: path.join(toolsDir, 'data', 'temporal.db'), ui: true, port: 7233 },
    emulator: process.env.GEMINI_API_KEY ? false : { port: Number(process.env.GEMINI_EMULATOR_PORT ?? 8790) },
    receiver: { port: Number(process.env.RECEIVER_PORT ?? 8789) },
    webhooks: 'both',
    worker: { workflowsPath: require.resolve('../example/workflows'), tools: [exampleTools()] },
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
