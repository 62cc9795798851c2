import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import type { GeminiflowConfig } from '../../activities/config';
import type { Toolset } from '../../activities/tools';
import { installRuntime } from '../../temporal/runtime';
import { withGeminiflowWorkflows } from '../../worker/workflows-path';
import { eventually } from './eventually';

/** The real Temporal server that `npm test` started (or reused) for this run. */
export function testServerAddress(): string {
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set: run the tests with `npm test`.');
  return address;
}

export function testNamespace(): string {
  return process.env.TEMPORAL_NAMESPACE ?? 'default';
}

/** A scratch directory that lives as long as the test run. */
export function testTmpDir(): string {
  const dir = process.env.GEMINIFLOW_TEST_TMP ?? os.tmpdir();
  return fs.mkdtempSync(path.join(dir, 'case-'));
}

export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}

export async function connectClient(
  address = testServerAddress(),
): Promise<{ client: Client; close(): Promise<void> }> {
  const connection = await Connection.connect({ address });
  return { client: new Client({ connection, namespace: testNamespace() }), close: () => connection.close() };
}

/**
 * The example app's workflows (and the tests' own agents) with geminiflow's: the bundle `npm test` built once, else
 * bundled on start.
 */
export function testWorkflows(): { workflowBundle: { codePath: string } } | { workflowsPath: string } {
  const bundle = process.env.GEMINIFLOW_TEST_WORKFLOW_BUNDLE;
  return bundle && fs.existsSync(bundle)
    ? { workflowBundle: { codePath: bundle } }
    : { workflowsPath: withGeminiflowWorkflows(require.resolve('../fixtures/workflows')) };
}

/** geminiflow's activities on an emulator, as GeminiflowPlugin would register them (no receiver URL: registered only). */
export function testActivities(
  emulatorBaseUrl: string,
  opts: { webhookUrl?: string; tools?: readonly Toolset[]; outputDir?: string } = {},
) {
  const config: GeminiflowConfig = {
    gemini: { target: 'emulator', apiKey: 'test-key', baseUrl: emulatorBaseUrl },
    webhookUrl: opts.webhookUrl,
    outputDir: opts.outputDir ?? testTmpDir(),
  };
  return createActivities(config, { tools: opts.tools });
}

export interface RunningWorker {
  worker: Worker;
  taskQueue: string;
  /** Graceful shutdown, waiting for the run loop to end. */
  stop(): Promise<void>;
}

/** An in-process worker on its own task queue, so test files can share one server without stealing tasks. */
export async function startWorker(
  opts: { address?: string; taskQueue?: string; activities?: object } = {},
): Promise<RunningWorker> {
  installRuntime();
  const connection = await NativeConnection.connect({ address: opts.address ?? testServerAddress() });
  const taskQueue = opts.taskQueue ?? uniqueTaskQueue();
  const worker = await Worker.create({
    connection,
    namespace: testNamespace(),
    taskQueue,
    activities: opts.activities ?? {},
    ...testWorkflows(),
  });
  const running = worker.run();
  return {
    worker,
    taskQueue,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

/**
 * Resolves once the workflow has run its first workflow task to completion, i.e. it is parked in its code (blocked
 * on a signal) rather than not yet started.
 */
export async function waitUntilBlocked(handle: WorkflowHandle, timeoutMs = 30_000): Promise<void> {
  await eventually(
    async () => {
      const history = await handle.fetchHistory();
      return history.events?.some((e) => e.workflowTaskCompletedEventAttributes) || undefined;
    },
    `workflow ${handle.workflowId} to start waiting`,
    timeoutMs,
  );
  const { status } = await handle.describe();
  if (status.name !== 'RUNNING') throw new Error(`workflow ${handle.workflowId} is ${status.name}, not waiting`);
}

/** How many signals the run has received: a delivery that must have one effect shows as exactly one. */
export async function signalCount(handle: WorkflowHandle): Promise<number> {
  const history = await handle.fetchHistory();
  return history.events?.filter((e) => e.workflowExecutionSignaledEventAttributes).length ?? 0;
}

/**
 * How many signals the run has received, read once no workflow task is in flight: signals that arrive during a task
 * are buffered by Temporal and written to history only when it completes, so a count read mid-task can be short.
 */
export async function settledSignalCount(handle: WorkflowHandle): Promise<number> {
  return eventually(async () => {
    const events = (await handle.fetchHistory()).events ?? [];
    const lastIndex = (has: (e: (typeof events)[number]) => unknown) =>
      events.reduce((at, e, i) => (has(e) ? i : at), -1);
    const idle =
      lastIndex((e) => e.workflowTaskCompletedEventAttributes) >
        lastIndex((e) => e.workflowTaskScheduledEventAttributes) ||
      events.some((e) => e.workflowExecutionTerminatedEventAttributes || e.workflowExecutionCompletedEventAttributes);
    return idle ? events.filter((e) => e.workflowExecutionSignaledEventAttributes).length : undefined;
  }, `${handle.workflowId} to be idle`);
}

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

/** The positions of the markers `patched(patchId)` recorded in a history. */
export function patchMarkers(events: HistoryEvent[], patchId: string): number[] {
  return events.flatMap((e, i) => {
    const attrs = e.markerRecordedEventAttributes;
    const data = attrs?.details?.['patch-data']?.payloads?.[0]?.data;
    if (attrs?.markerName !== 'core_patch' || !data) return [];
    return (JSON.parse(Buffer.from(data).toString()) as { id?: string }).id === patchId ? [i] : [];
  });
}
