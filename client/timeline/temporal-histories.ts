import type { Client } from '@temporalio/client';
import type { HistorySource } from './build';

/** gRPC's NOT_FOUND: the run does not exist, or its history is past the namespace's retention. */
const notFound = 5;

/** Run histories as Temporal keeps them, for every run, finished or not; no worker is involved. */
export function temporalHistories(client: Client): HistorySource {
  return {
    async history(workflowId, runId) {
      try {
        return await client.workflow.getHandle(workflowId, runId).fetchHistory();
      } catch (err) {
        if ((err as { code?: unknown }).code === notFound) return undefined;
        throw err;
      }
    },
  };
}
