import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { ApprovalRefusedError } from '../../client';
import { type PendingApproval, pendingApprovalsQuery } from '../../workflows';
import { type Refund, refundToolset } from '../fixtures/refund-tools';
import { eventually } from './eventually';
import { type GeminiStack, startGeminiStack } from './gemini-stack';
import { uniqueTaskQueue } from './temporal';

/** The run's pending calls, once there are at least `count`. */
export async function pendingOf(handle: WorkflowHandle, count = 1): Promise<PendingApproval[]> {
  return eventually(async () => {
    const pending = await handle.query(pendingApprovalsQuery);
    return pending.length >= count ? pending : undefined;
  }, `${count} pending approval(s) in ${handle.workflowId}`);
}

/** Rejects with ApprovalRefusedError whose message matches, the reason alone. */
export async function refused(promise: Promise<unknown>, reason: RegExp): Promise<void> {
  await assert.rejects(promise, (err: Error) => {
    assert.ok(err instanceof ApprovalRefusedError, `an ApprovalRefusedError, not ${err.name}: ${err.message}`);
    assert.match(err.message, reason);
    assert.equal(err.stack, `ApprovalRefusedError: ${err.message}`, 'the reason alone, without stack noise');
    return true;
  });
}

export interface RefundStack {
  stack: GeminiStack;
  taskQueue: string;
  /** Every refund the tool made, in order. */
  refunds: Refund[];
  /** The worker started with the stack. */
  worker: Worker;
  /** Starts (another) worker with the example's tools and the refund tool on `taskQueue`. */
  startWorker(): Promise<Worker>;
}

/** The real stack with a worker that also runs the refund tool of test/fixtures/refund-agent.ts. */
export async function startRefundStack(opts: { address?: string } = {}): Promise<RefundStack> {
  const refunds: Refund[] = [];
  const taskQueue = uniqueTaskQueue('refunds');
  const stack = await startGeminiStack({
    ...(opts.address ? { address: opts.address } : {}),
    emulator: { durations: { interactionMs: 200 } },
    worker: false,
  });
  const startWorker = () =>
    stack.startWorker({
      ...stack.workerOptions,
      taskQueue,
      tools: [...(stack.workerOptions.tools ?? []), refundToolset(refunds)],
    });
  return { stack, taskQueue, refunds, worker: await startWorker(), startWorker };
}
