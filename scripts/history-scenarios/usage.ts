import type { WorkflowHandle } from '@temporalio/client';
import { agentWorkflow } from '../../example/agent';
import { answerQuestions } from '../../example/answer-questions';
import { researchBriefPipeline } from '../../example/research-brief-pipeline';
import { agentOverBudget } from '../../test/fixtures/budgets';
import { eventually } from '../../test/helpers/eventually';
import {
  budgetToolName,
  decideApprovalUpdate,
  generateVideo,
  itemWorkflowId,
  pendingApprovalsQuery,
} from '../../workflows';
import type { HistoryScenario, RecordingContext } from './scenario';

// Usage and budgets for the replay test: every job workflow publishing its usage memo inside the flagship pipeline
// (with a budget passed down that is never reached), a fan-out whose budget asks a person who approves, one in
// estimated cost by the worker's prices that fails, an agent whose budget asks and is denied, and a video.

const model = 'gemini-2.5-flash';
const questions = ['alpha', 'beta', 'gamma', 'delta'];

async function settled<T extends WorkflowHandle>(handle: T): Promise<T> {
  await handle.result().catch(() => undefined);
  return handle;
}

/** Waits until the run asks about its budget, then decides. */
async function decideBudget(ctx: RecordingContext, workflowId: string, approve: boolean): Promise<void> {
  const handle = ctx.client.workflow.getHandle(workflowId);
  const call = await eventually(
    async () => (await handle.query(pendingApprovalsQuery).catch(() => [])).find((p) => p.tool === budgetToolName),
    `${workflowId} to ask about its budget`,
    60_000,
  );
  await handle.executeUpdate(decideApprovalUpdate, {
    args: [
      approve
        ? { callId: call.callId, kind: 'approve', reviewer: 'recorder' }
        : { callId: call.callId, kind: 'deny', reason: 'over budget', reviewer: 'recorder' },
    ],
  });
}

export const scenarios: HistoryScenario[] = [
  {
    name: 'usage-research-brief',
    async run(ctx) {
      ctx.emulator.control.model.setDurations({ interactionMs: 300, deepResearchMs: 2000, batchMs: 2000 });
      const pipeline = await settled(
        await ctx.client.workflow.start(researchBriefPipeline, {
          taskQueue: ctx.taskQueue,
          workflowId: ctx.workflowId,
          args: [{ topic: 'usage of durable pipelines', followUps: 2, model, budget: { maxTokens: 1_000_000 } }],
        }),
      );
      const id = ctx.workflowId;
      return [
        pipeline,
        ...[
          `${id}/research`,
          `${id}/sources`,
          itemWorkflowId(`${id}/sources`, 0),
          `${id}/follow-ups`,
          `${id}/brief`,
        ].map((child) => ctx.client.workflow.getHandle(child)),
      ];
    },
  },
  {
    name: 'budget-fan-out-approved',
    async run(ctx) {
      ctx.emulator.control.model.setDurations({ interactionMs: 300 });
      const pipeline = await ctx.client.workflow.start(answerQuestions, {
        taskQueue: ctx.taskQueue,
        workflowId: ctx.workflowId,
        args: [{ questions, model, concurrency: 1, budget: { maxTokens: 10, onExceeded: 'ask' } }],
      });
      await decideBudget(ctx, `${ctx.workflowId}/answers`, true);
      await settled(pipeline);
      return [pipeline, ctx.client.workflow.getHandle(`${ctx.workflowId}/answers`)];
    },
  },
  {
    name: 'budget-cost-failed',
    async run(ctx) {
      ctx.emulator.control.model.setDurations({ interactionMs: 300 });
      const pipeline = await settled(
        await ctx.client.workflow.start(answerQuestions, {
          taskQueue: ctx.taskQueue,
          workflowId: ctx.workflowId,
          args: [{ questions, model, concurrency: 1, budget: { maxCostUsd: 0.00001 } }],
        }),
      );
      return [pipeline, ctx.client.workflow.getHandle(`${ctx.workflowId}/answers`)];
    },
  },
  {
    name: 'budget-agent-denied',
    async run(ctx) {
      ctx.emulator.control.model.setDurations({ interactionMs: 300 });
      const agent = await ctx.client.workflow.start(agentWorkflow, {
        taskQueue: ctx.taskQueue,
        workflowId: ctx.workflowId,
        args: [agentOverBudget],
      });
      await decideBudget(ctx, ctx.workflowId, false);
      return settled(agent);
    },
  },
  {
    name: 'usage-video',
    async run(ctx) {
      ctx.emulator.control.model.setDurations({ videoMs: 800 });
      return settled(
        await ctx.client.workflow.start(generateVideo, {
          taskQueue: ctx.taskQueue,
          workflowId: ctx.workflowId,
          args: [{ prompt: 'a paper boat', budget: { maxTokens: 100_000 } }],
        }),
      );
    },
  },
];
