import type { Client } from '@temporalio/client';
import { ownerQuery } from '../routing/route';

export interface Owner {
  workflowId: string;
  running: boolean;
}

/**
 * The run that recorded `resourceId` in GeminiResourceIds: a running one if there is one, else the newest closed one
 * (its events are dead letters), else undefined (not recorded yet, or visibility has not caught up).
 */
export async function findOwner(client: Client, resourceId: string): Promise<Owner | undefined> {
  let closed: Owner | undefined;
  let seen = 0;
  for await (const run of client.workflow.list({ query: ownerQuery(resourceId), pageSize: 20 })) {
    if (run.status.name === 'RUNNING') return { workflowId: run.workflowId, running: true };
    closed ??= { workflowId: run.workflowId, running: false };
    if (++seen >= 20) break;
  }
  return closed;
}
