import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NativeConnection, Worker } from '@temporalio/worker';
import { runMain } from '../../common/errors';
import { exampleTools } from '../../example/tool-implementations';
import { toolCatalog } from '../../example/tools';
import { GeminiflowPlugin, geminiflowConfigFromEnv, implementTools, installRuntime } from '../../worker';
import { testWorkflows } from './temporal';

/**
 * A worker process for crash tests: the example app, except that a tool which has done its work does not report back
 * while `<TEST_TOOL_HOLD_DIR>/<tool>.hold` exists. That opens the window in which a killed worker makes Temporal retry
 * a call whose side effect already happened. With TEST_TOOL_HOLD_BEFORE=1 the tool waits before it does anything
 * instead: the window between a decision and the tool's run.
 */
runMain(async () => {
  const holdDir = process.env.TEST_TOOL_HOLD_DIR!;
  const holdBefore = process.env.TEST_TOOL_HOLD_BEFORE === '1';
  const real = exampleTools().implementations;
  const held = Object.fromEntries(
    Object.entries(real).map(([name, run]) => [
      name,
      async (args: unknown, ctx: Parameters<typeof run>[1]) => {
        const hold = async () => {
          while (fs.existsSync(path.join(holdDir, `${name}.hold`))) await sleep(100);
        };
        if (holdBefore) await hold();
        const result = await run(args, ctx);
        if (!holdBefore) await hold();
        return result;
      },
    ]),
  );
  installRuntime();
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const worker = await Worker.create({
    connection,
    namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: process.env.TEMPORAL_TASK_QUEUE!,
    ...testWorkflows(),
    plugins: [new GeminiflowPlugin({ config: geminiflowConfigFromEnv(), tools: [implementTools(toolCatalog, held)] })],
  });
  await worker.run();
});
