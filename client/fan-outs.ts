import type { Client } from '@temporalio/client';
import {
  type FanOutProgress,
  type FanOutProgressMemo,
  type FanOutState,
  fanOutProgressMemoKey,
  fanOutProgressQuery,
  fanOutWorkflowType,
} from '../contract';

/** A fan-out's counts as a listing shows them: what it last published (the `fanOutProgress` memo), read without a query. */
export type FanOutSummary = FanOutProgressMemo;

const states: readonly FanOutState[] = ['running', 'stopping', 'completed', 'stopped', 'cancelled'];
const countKeys = ['total', 'done', 'failed', 'running', 'left', 'window'] as const;

/** The published counts in a run's memo, when it holds well-formed ones (a fan-out's runs do; other runs do not). */
export function fanOutSummaryOf(memo: Record<string, unknown> | undefined): FanOutSummary | undefined {
  const value = memo?.[fanOutProgressMemoKey] as Partial<Record<string, unknown>> | undefined;
  if (!value || typeof value !== 'object') return undefined;
  if (!countKeys.every((k) => Number.isInteger(value[k]) && (value[k] as number) >= 0)) return undefined;
  if (!states.includes(value.state as FanOutState)) return undefined;
  const { total, done, failed, running, left, window, state } = value as unknown as FanOutSummary;
  return { total, done, failed, running, left, state, window };
}

/** The current run of every fan-out started under `workflowId` (`<id>/<name>`, nested ones too), by id. */
async function fanOutIdsUnder(client: Client, workflowId: string): Promise<string[]> {
  const prefix = `${workflowId}/`;
  // A visibility string cannot escape a double quote; such an id has no fan-outs found this way.
  if (prefix.includes('"')) return [];
  const query = `WorkflowType = '${fanOutWorkflowType}' AND WorkflowId STARTS_WITH "${prefix}" AND ExecutionStatus != 'ContinuedAsNew'`;
  const ids = new Set<string>();
  for await (const run of client.workflow.list({ query })) ids.add(run.workflowId);
  return [...ids].sort();
}

/**
 * Live progress of the fan-outs a run is or has: its own when it is a `fanOutJobs` run, else those started under its
 * id (found through visibility, so one that started a second ago may not show yet). `ask` runs each query (a deadline).
 */
export async function fanOutsOfRun(
  client: Client,
  run: { workflowId: string; type: string },
  ask: <T>(query: () => Promise<T>) => Promise<T | undefined> = (query) => query(),
): Promise<FanOutProgress[]> {
  const ids = run.type === fanOutWorkflowType ? [run.workflowId] : await fanOutIdsUnder(client, run.workflowId);
  const found = await Promise.all(ids.map((id) => ask(() => client.workflow.getHandle(id).query(fanOutProgressQuery))));
  return found.filter((p) => p !== undefined);
}

/** GeminiflowClient.fanOutProgress: the run's own progress, else that of the fan-outs under it; throws when there is none. */
export async function fanOutProgress(client: Client, workflowId: string): Promise<FanOutProgress[]> {
  try {
    return [await client.workflow.getHandle(workflowId).query(fanOutProgressQuery)];
  } catch (ownErr) {
    const ids = await fanOutIdsUnder(client, workflowId);
    if (ids.length === 0) throw ownErr;
    return Promise.all(ids.map((id) => client.workflow.getHandle(id).query(fanOutProgressQuery)));
  }
}
