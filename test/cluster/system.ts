import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { GeminiEvent } from '../../contract';
import type { DeliveryRecord } from '../../emulator/types';
import { temporalSettings } from '../../temporal/settings';
import { RoundRobinBalancer } from '../helpers/balancer';
import { eventually } from '../helpers/eventually';
import { receiverUrlOf, spawnEntryPoint, type TestProcess } from '../helpers/processes';
import { testTmpDir } from '../helpers/temporal';

/**
 * The frontends of the cluster under test, in node order (`npm run test:cluster` sets them): two on the cluster it
 * started, one (`--address`) on a user's own cluster.
 */
export function clusterFrontends(): string[] {
  const listed = process.env.GEMINIFLOW_CLUSTER_FRONTENDS ?? process.env.TEMPORAL_ADDRESS;
  if (!listed) throw new Error('no cluster to test: run these tests with `npm run test:cluster`');
  return listed.split(',');
}

/** The cluster's namespace, and how to connect (TLS or an API key from TEMPORAL_* variables, as the worker reads them). */
export function clusterConnection(address = clusterFrontends()[0]!) {
  const settings = temporalSettings({ ...process.env, TEMPORAL_ADDRESS: address });
  return { namespace: settings.namespace, options: settings.connectionOptions };
}

export async function connectToCluster(address?: string): Promise<{ client: Client; connection: Connection }> {
  const { namespace, options } = clusterConnection(address);
  const connection = await Connection.connect(options);
  return { client: new Client({ connection, namespace }), connection };
}

/** The Gemini emulator as a process of its own, driven over its HTTP control API. */
export interface EmulatorProcess {
  baseUrl: string;
  jwksUrl: string;
  control<T = unknown>(method: string, controlPath: string, body?: unknown): Promise<T>;
  process: TestProcess;
}

async function startEmulatorProcess(env: Record<string, string>): Promise<EmulatorProcess> {
  const proc = spawnEntryPoint('emulator/main.ts', {
    GEMINI_EMULATOR_PORT: '0',
    GEMINI_EMULATOR_WEBHOOK_TIMESTAMP_CLOCK: 'real',
    ...env,
  });
  const listening = await proc.waitFor(/advertised as (http\S+)\s/, 'the emulator to listen').catch(async (err) => {
    await proc.kill();
    throw err;
  });
  const baseUrl = listening[1]!;
  return {
    baseUrl,
    jwksUrl: `${baseUrl}/.well-known/jwks.json`,
    process: proc,
    async control<T>(method: string, controlPath: string, body?: unknown): Promise<T> {
      const res = await fetch(`${baseUrl}/_emulator${controlPath}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`emulator control ${method} ${controlPath}: ${res.status} ${await res.text()}`);
      const text = await res.text();
      return (text ? JSON.parse(text) : undefined) as T;
    },
  };
}

export interface ClusterSystem {
  client: Client;
  namespace: string;
  taskQueue: string;
  emulator: EmulatorProcess;
  balancer: RoundRobinBalancer;
  /** The balancer's URL: where the jobs' webhooks go. */
  webhookUrl: string;
  receivers: TestProcess[];
  workers: TestProcess[];
  /** Frontend each receiver and worker `i` uses: node `i % nodes`, so losing a node takes half of them off Temporal. */
  frontendOf(i: number): string;
  stop(): Promise<void>;
}

export interface ClusterSystemOptions {
  /** GEMINI_EMULATOR_* variables (durations, time scale). */
  emulatorEnv?: Record<string, string>;
  /**
   * Give the workers and receivers a shared routing key (default), so per-request events route by their signed
   * user_metadata; without one, every event is routed by the owner lookup on visibility.
   */
  routingKeys?: boolean;
}

/**
 * What production runs, as separate processes against the cluster: the emulator, two receivers behind a round-robin
 * balancer (which also copies every second delivery to the other receiver, as a retry landing elsewhere would) and
 * two workers, all on a task queue of this test's own. Receiver and worker `i` talk to node `i % nodes`.
 */
export async function startClusterSystem(opts: ClusterSystemOptions = {}): Promise<ClusterSystem> {
  const frontends = clusterFrontends();
  const frontendOf = (i: number) => frontends[i % frontends.length]!;
  const taskQueue = `cluster-${randomUUID()}`;
  const { client, connection } = await connectToCluster();
  const namespace = client.options.namespace;
  const routingKeys: Record<string, string> =
    opts.routingKeys === false
      ? { GEMINIFLOW_ROUTING_KEYS: 'none' }
      : { GEMINIFLOW_ROUTING_KEYS: `cluster:${randomBytes(32).toString('base64')}` };
  let emulator: EmulatorProcess | undefined;
  const receivers: TestProcess[] = [];
  const workers: TestProcess[] = [];
  let balancer: RoundRobinBalancer | undefined;

  const stop = async () => {
    await Promise.all(workers.map((w) => w.kill()));
    await balancer?.stop();
    await Promise.all(receivers.map((r) => r.kill()));
    await emulator?.process.kill();
    await terminateLeftovers(client, taskQueue);
    await connection.close();
  };
  try {
    emulator = await startEmulatorProcess(opts.emulatorEnv ?? {});
    for (const i of [0, 1]) {
      const receiver = spawnEntryPoint('receiver/main.ts', {
        TEMPORAL_ADDRESS: frontendOf(i),
        TEMPORAL_NAMESPACE: namespace,
        TEMPORAL_TASK_QUEUE: taskQueue,
        RECEIVER_PORT: '0',
        RECEIVER_OPS_PORT: '0',
        GEMINI_JWKS_URL: emulator.jwksUrl,
        ...routingKeys,
      });
      receivers.push(receiver);
    }
    const receiverUrls: string[] = [];
    for (const receiver of receivers) receiverUrls.push(await receiverUrlOf(receiver));
    balancer = new RoundRobinBalancer(receiverUrls);
    const webhookUrl = await balancer.start();
    const dir = testTmpDir();
    const bundle = process.env.GEMINIFLOW_TEST_WORKFLOW_BUNDLE;
    const bundleArgs = bundle ? ['--workflow-bundle', bundle] : [];
    for (const i of [0, 1]) {
      workers.push(
        spawnEntryPoint(
          'example/worker.ts',
          {
            TEMPORAL_ADDRESS: frontendOf(i),
            TEMPORAL_NAMESPACE: namespace,
            TEMPORAL_TASK_QUEUE: taskQueue,
            GEMINI_EMULATOR_URL: emulator.baseUrl,
            GEMINIFLOW_WEBHOOK_URL: webhookUrl,
            GEMINIFLOW_OUTPUT_DIR: path.join(dir, 'output'),
            GEMINIFLOW_PUBLISH_DIR: path.join(dir, 'published'),
            ...routingKeys,
          },
          bundleArgs,
        ),
      );
    }
    await eventually(
      async () => {
        const { pollers } = await client.workflowService.describeTaskQueue({
          namespace,
          taskQueue: { name: taskQueue },
          taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        });
        return new Set(pollers?.map((p) => p.identity)).size >= 2 || undefined;
      },
      'two worker processes polling',
      120_000,
    );
    return { client, namespace, taskQueue, emulator, balancer, webhookUrl, receivers, workers, frontendOf, stop };
  } catch (err) {
    const outputs = [...receivers, ...workers].map((p) => p.output().slice(-2000)).join('\n---\n');
    await stop();
    throw new Error(`${(err as Error).message}; receiver and worker output:\n${outputs}`);
  }
}

/**
 * Leaves nothing of this test running on the cluster (on a user's cluster above all): mailboxes linger a minute after
 * their last event, and a failed test may leave runs waiting. Only workflows on this test's own task queue.
 */
async function terminateLeftovers(client: Client, taskQueue: string): Promise<void> {
  const running = client.workflow.list({ query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'` });
  for await (const run of running) {
    await client.workflow
      .getHandle(run.workflowId, run.runId)
      .terminate('test:cluster cleans up its own workflows')
      .catch(() => undefined);
  }
}

/** Dead letters kept for this test's task queue, replayed or not: a routable event must never become one. */
export async function deadLettersOn(client: Client, taskQueue: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const run of client.workflow.list({
    query: `TaskQueue = '${taskQueue}' AND WorkflowType = 'geminiDeadLetter'`,
  })) {
    ids.push(run.workflowId);
  }
  return ids;
}

/** The emulator's record of every delivery for the test's webhook URL, with each attempt's outcome. */
export async function deliveriesOf(system: ClusterSystem): Promise<DeliveryRecord[]> {
  return (await system.emulator.control<{ deliveries: DeliveryRecord[] }>('GET', '/deliveries')).deliveries;
}

/** The events a run was signaled with, in order, as the workflow received them. */
export async function signaledEvents(handle: WorkflowHandle): Promise<GeminiEvent[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? [])
    .map((e) => e.workflowExecutionSignaledEventAttributes?.input?.payloads?.[0])
    .filter((p) => p !== undefined)
    .map((p) => defaultPayloadConverter.fromPayload<GeminiEvent>(p));
}
