import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

export interface Poller {
  /** The worker's identity; the SDK's default is `<pid>@<host>`. */
  identity: string;
  lastAccessTime?: Date;
}

/** The workers that polled a task queue for workflow tasks lately (Temporal keeps those of the last few minutes). */
export async function taskQueuePollers(client: Client, taskQueue: string): Promise<Poller[]> {
  const described = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  return (described.pollers ?? []).map((p) => ({
    identity: p.identity ?? '',
    ...(p.lastAccessTime?.seconds ? { lastAccessTime: new Date(Number(p.lastAccessTime.seconds) * 1000) } : {}),
  }));
}
