/**
 * A worker process for the benchmarks and the chaos run: the example app on GeminiflowPlugin, with the tuning
 * given in BENCH_WORKER_OPTIONS (JSON of WorkerOptions fields; `{}` = the SDK's defaults). Prints `worker running`
 * once it polls.
 */
import fs from 'node:fs';
import {
  exampleTools,
  GeminiflowPlugin,
  geminiflowConfigFromEnv,
  installRuntime,
  NativeConnection,
  runMain,
  Worker,
  type WorkerOptions,
  workflowsPath,
} from './stack';

export type WorkerTuning = Pick<
  WorkerOptions,
  | 'maxCachedWorkflows'
  | 'maxConcurrentWorkflowTaskExecutions'
  | 'maxConcurrentActivityTaskExecutions'
  | 'maxConcurrentWorkflowTaskPolls'
  | 'maxConcurrentActivityTaskPolls'
  | 'reuseV8Context'
  | 'workflowThreadPoolSize'
>;

runMain(async () => {
  const address = process.env.TEMPORAL_ADDRESS;
  const taskQueue = process.env.TEMPORAL_TASK_QUEUE;
  if (!address || !taskQueue) throw new Error('TEMPORAL_ADDRESS and TEMPORAL_TASK_QUEUE are required');
  const tuning = JSON.parse(process.env.BENCH_WORKER_OPTIONS || '{}') as WorkerTuning;
  const bundle = process.env.BENCH_WORKFLOW_BUNDLE;
  installRuntime();
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue,
    plugins: [new GeminiflowPlugin({ config: geminiflowConfigFromEnv(), tools: [exampleTools()] })],
    ...(bundle && fs.existsSync(bundle) ? { workflowBundle: { codePath: bundle } } : { workflowsPath }),
    ...tuning,
  });
  const running = worker.run();
  process.stdout.write('worker running\n');
  await running;
  await connection.close();
});
