import type { WorkflowHandle } from '@temporalio/client';
import { agentWorkflow } from '../../example/agent';
import { refundAgent } from '../../test/fixtures/refund-agent';
import { eventually } from '../../test/helpers/eventually';
import {
  type ApprovalDecision,
  decideApprovalUpdate,
  type PendingApproval,
  pendingApprovalsQuery,
  recordDecisionSignal,
} from '../../workflows';
import type { HistoryScenario } from './scenario';

// Histories of durable decisions (patch `durable-decisions`): decisions as updates and as recorded signals, a repeated
// record, a stale record refused into the audit record; rules as code, approver groups, a quorum and the four-eyes rule.

const call = (name: string, args: Record<string, unknown>) => `[[call ${name} ${JSON.stringify(args)}]]`;
const later = () => new Date(Date.now() + 3_600_000).toISOString();

async function pending(handle: WorkflowHandle, count: number): Promise<PendingApproval[]> {
  return eventually(async () => {
    const list = await handle.query(pendingApprovalsQuery);
    return list.length === count ? list : undefined;
  }, `${count} pending approvals`);
}

const update = (handle: WorkflowHandle, decision: ApprovalDecision) =>
  handle.executeUpdate(decideApprovalUpdate, {
    args: [{ acceptBy: later(), ...decision }],
    updateId: decision.decisionId,
  });

export const scenarios: HistoryScenario[] = [
  {
    name: 'agent-durable-decisions',
    async run(ctx) {
      ctx.emulator.control.model.setDurations({ interactionMs: 300 });
      const docs = ['Edited by update', 'Denied by record'].map((title) => ({ title, body: `${title}.` }));
      const handle = await ctx.client.workflow.start(agentWorkflow, {
        taskQueue: ctx.taskQueue,
        workflowId: ctx.workflowId,
        args: [
          { tools: ['publish'], message: `Two. ${docs.map((d) => call('publish', d)).join(' ')}`, conversation: false },
        ],
      });
      const [first, second] = await pending(handle, 2);
      await update(handle, {
        callId: first!.callId,
        kind: 'edit',
        arguments: { title: 'Edited, then recorded again', body: 'Edited.' },
        reviewer: 'recorder',
        decisionId: 'd-edit',
      });
      // The same decision recorded again (its update was taken after all): ignored.
      await handle.signal(recordDecisionSignal, {
        callId: first!.callId,
        kind: 'approve',
        reviewer: 'recorder',
        decisionId: 'd-edit',
      });
      await handle.signal(recordDecisionSignal, {
        callId: second!.callId,
        kind: 'deny',
        reason: 'recorded while the worker was down',
        reviewer: 'recorder',
        decisionId: 'd-deny',
      });
      // Stale by the time it applies: refused into the call's audit record.
      await handle.signal(recordDecisionSignal, {
        callId: second!.callId,
        kind: 'approve',
        reviewer: 'late',
        decisionId: 'd-late',
      });
      await handle.result();
      return handle;
    },
  },
  {
    name: 'agent-rules-quorum',
    async run(ctx) {
      ctx.emulator.control.model.setDurations({ interactionMs: 300 });
      const refunds = [20, 120, 900].map((amount) => call('issue_refund', { orderId: `R-${amount}`, amount }));
      const handle = await ctx.client.workflow.start(refundAgent, {
        taskQueue: ctx.taskQueue,
        workflowId: ctx.workflowId,
        args: [
          { tools: ['issue_refund'], startedBy: 'sam', message: `Three. ${refunds.join(' ')}`, conversation: false },
        ],
      });
      const [small, big] = await pending(handle, 2);
      const finance = { kind: 'approve', reviewerGroups: ['finance'] } as const;
      await update(handle, { callId: big!.callId, reviewer: 'sam', decisionId: 'd-big-sam', ...finance });
      await update(handle, { callId: big!.callId, reviewer: 'ana', decisionId: 'd-big-ana', ...finance });
      await update(handle, { callId: small!.callId, reviewer: 'sam', decisionId: 'd-small-sam', ...finance });
      await handle.signal(recordDecisionSignal, {
        callId: small!.callId,
        reviewer: 'fin',
        decisionId: 'd-small-fin',
        ...finance,
      });
      await handle.result();
      return handle;
    },
  },
];
