import { randomUUID } from 'node:crypto';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import type { BenchStack } from './bench-stack';
import type { Outgoing } from './sender';
import {
  eventually,
  type GeminiEvent,
  geminiEventSignal,
  mintRoutingToken,
  routingTokenField,
  type WorkflowHandle,
  waitForGeminiJob,
} from './stack';

/** A `waitForGeminiJob` run parked on a (synthetic) interaction id, waiting for its event. */
export interface Parked {
  workflowId: string;
  resourceId: string;
  handle: WorkflowHandle<typeof waitForGeminiJob>;
}

/** A backstop far beyond any bench: the runs resolve by their event, never by a status read. */
const noReconcile = { reconcileAfter: '1 day', reconcileMax: '1 day' } as const;

/** Starts `n` parked runs (with bounded concurrency) and waits until every one has run its first workflow task. */
export async function startParked(
  stack: BenchStack,
  taskQueue: string,
  n: number,
  label: string,
): Promise<{ runs: Parked[]; prefix: string }> {
  const runId = randomUUID().slice(0, 8);
  const prefix = `bench-${label}-${runId}-`;
  const parked: Parked[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, 64) }, async () => {
      while (next < n) {
        const i = next++;
        const resourceId = `v1_${prefix}${i}`;
        const workflowId = `${prefix}${i}`;
        const handle = await stack.client.workflow.start(waitForGeminiJob, {
          taskQueue,
          workflowId,
          args: [{ kind: 'interaction', id: resourceId }, noReconcile],
        });
        parked.push({ workflowId, resourceId, handle });
      }
    }),
  );
  // The first task sets GeminiWaitingFor: once every run shows it, all are parked in their code.
  const query = `TaskQueue = '${taskQueue}' AND WorkflowId STARTS_WITH '${prefix}' AND GeminiWaitingFor IS NOT NULL`;
  await eventually(
    async () => ((await stack.client.workflow.count(query)).count >= n ? true : undefined),
    `${n} ${label} runs to park`,
    // A loaded two-core machine parks a few runs per second; ten thousand take a while.
    Math.max(120_000, n * 300),
  );
  // In start order, so index i of a phase is the same run whatever finished starting first.
  parked.sort((a, b) => Number(a.workflowId.slice(prefix.length)) - Number(b.workflowId.slice(prefix.length)));
  return { runs: parked, prefix };
}

/** The interaction.completed event a delivery for `p` turns into, for a raw `client.signal`. */
export function rawEvent(p: Parked): GeminiEvent {
  return {
    webhookId: `msg_${randomUUID()}`,
    type: 'interaction.completed',
    resourceId: p.resourceId,
    timestamp: new Date().toISOString(),
    data: { id: p.resourceId },
    via: 'webhook',
  };
}

export const signalRaw = (p: Parked) => p.handle.signal(geminiEventSignal, rawEvent(p));

/** user_metadata as a geminiflow worker writes it into a job: the workflow id and its routing token. */
function ownMetadata(stack: BenchStack, p: Parked) {
  return {
    temporal_workflow_id: p.workflowId,
    [routingTokenField]: mintRoutingToken(stack.routingKey, p.workflowId, 'interaction'),
  };
}

/** Emits the completion from the emulator to the receiver (v1a-signed, routed by its user_metadata and token). */
export function emitCompletion(stack: BenchStack, p: Parked): void {
  stack.emulator.control.emitEvent({
    type: 'interaction.completed',
    data: { id: p.resourceId },
    userMetadata: ownMetadata(stack, p),
    uris: [stack.receiverUrl],
  });
}

/** The completion as one delivery for the bench's own sender (sendAll), routed like emitCompletion's. */
export function completionDelivery(stack: BenchStack, p: Parked): Outgoing {
  const body = JSON.stringify({
    type: 'interaction.completed',
    version: 'v1',
    timestamp: new Date().toISOString(),
    data: { id: p.resourceId, user_metadata: ownMetadata(stack, p) },
  });
  return { webhookId: `msg_${randomUUID()}`, body };
}

/** Server times (epoch ms) at which the run was first signaled (NaN if never) and completed, from its history. */
export async function historyTimes(
  p: Pick<Parked, 'workflowId' | 'handle'>,
): Promise<{ signaledAt: number; completedAt: number }> {
  const events = (await p.handle.fetchHistory()).events ?? [];
  const timeOf = (pick: (e: (typeof events)[number]) => unknown) => optionalTsToMs(events.find(pick)?.eventTime) ?? NaN;
  const completedAt = timeOf((e) => e.workflowExecutionCompletedEventAttributes);
  if (Number.isNaN(completedAt)) throw new Error(`${p.workflowId} has not completed`);
  return { signaledAt: timeOf((e) => e.workflowExecutionSignaledEventAttributes), completedAt };
}

/** Resolves when every run has completed, polling visibility (cheap for thousands of runs). */
export async function waitAllCompleted(
  stack: BenchStack,
  taskQueue: string,
  prefix: string,
  n: number,
  timeoutMs: number,
) {
  const query = `TaskQueue = '${taskQueue}' AND WorkflowId STARTS_WITH '${prefix}' AND ExecutionStatus = 'Completed'`;
  await eventually(
    async () => ((await stack.client.workflow.count(query)).count >= n ? true : undefined),
    `${n} runs to complete`,
    timeoutMs,
  );
}

/** Runs `fn` over `items` with at most `concurrency` in flight. */
export async function inPool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}
