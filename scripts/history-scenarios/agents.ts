import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { agentWorkflow } from '../../example/agent';
import { pipelineStatusQuery, researchBriefPipeline } from '../../example/research-brief-pipeline';
import { eventually } from '../../test/helpers/eventually';
import {
  decideApprovalUpdate,
  endConversationUpdate,
  type PendingApproval,
  pendingApprovalsQuery,
  sendMessageUpdate,
} from '../../workflows';
import type { HistoryScenario, RecordingContext } from './scenario';

// Histories of the agent and the flagship pipeline for the replay test: approvals (approved, denied, timed out; and
// under per-tool rules: edited after a reminder, denied before it, timed out after it, each notified), parallel tool
// calls, a follow-up, continue-as-new, and the child stages of the pipeline.

const call = (name: string, args: Record<string, unknown>) => `[[call ${name} ${JSON.stringify(args)}]]`;

function usePrivatePublishDir(): void {
  process.env.GEMINIFLOW_PUBLISH_DIR ||= fs.mkdtempSync(path.join(os.tmpdir(), 'geminiflow-published-'));
}

async function decideNext(handle: WorkflowHandle, approve: boolean): Promise<void> {
  const [pending] = await eventually(
    async () => {
      // A pipeline's brief stage may not have started yet: until it has run its first task, the query fails.
      const list = await handle.query(pendingApprovalsQuery).catch(() => undefined);
      return list?.length ? list : undefined;
    },
    'a pending approval',
    120_000,
  );
  await handle.executeUpdate(decideApprovalUpdate, {
    args: [{ callId: pending!.callId, approve, reviewer: 'recorder', ...(approve ? {} : { reason: 'not now' }) }],
  });
}

/** Every run of a workflow id, oldest first, so a continued-as-new conversation is recorded whole. */
async function allRuns(ctx: RecordingContext, workflowId: string): Promise<WorkflowHandle[]> {
  const runs: WorkflowHandle[] = [];
  for await (const info of ctx.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    runs.push(ctx.client.workflow.getHandle(workflowId, info.runId));
  }
  return runs.reverse();
}

export const scenarios: HistoryScenario[] = [
  {
    name: 'agent-approval-rules',
    async run(ctx) {
      usePrivatePublishDir();
      ctx.emulator.control.model.setDurations({ interactionMs: 300 });
      const docs = ['Edited later', 'Denied at once', 'Left alone'].map((title) => ({ title, body: `${title}.` }));
      // publish reminds half-way to the agent's timeout: at 3 s of 6 s.
      const handle = await ctx.client.workflow.start(agentWorkflow, {
        taskQueue: ctx.taskQueue,
        workflowId: ctx.workflowId,
        args: [
          {
            tools: ['publish'],
            message: `Three. ${docs.map((d) => call('publish', d)).join(' ')}`,
            conversation: false,
            approvalTimeout: '6 seconds',
          },
        ],
      });
      const pending = await eventually(async () => {
        const list = await handle.query(pendingApprovalsQuery);
        return list.length === 3 ? list : undefined;
      }, 'three pending approvals');
      const decide = (p: PendingApproval, decision: object) =>
        handle.executeUpdate(decideApprovalUpdate, {
          args: [{ callId: p.callId, reviewer: 'recorder', ...decision } as never],
        });
      await decide(pending[1]!, { kind: 'deny', reason: 'not this one' });
      await new Promise((resolve) => setTimeout(resolve, Date.parse(pending[0]!.remindAt!) - Date.now() + 500));
      await decide(pending[0]!, { kind: 'edit', arguments: { title: 'Edited after the reminder', body: 'Edited.' } });
      await handle.result();
      return handle;
    },
  },
  {
    name: 'agent-tools-approved',
    async run(ctx) {
      usePrivatePublishDir();
      ctx.emulator.control.model.setDurations({ interactionMs: 300 });
      const message = [
        'Check and publish.',
        call('count_words', { text: 'three little words' }),
        call('lookup_glossary', { term: 'webhook' }),
        call('send_email', { to: 'a@example.com', subject: 's', body: 'b' }),
        call('publish', { title: 'Recorded', body: 'A recorded publication.' }),
      ].join(' ');
      const handle = await ctx.client.workflow.start(agentWorkflow, {
        taskQueue: ctx.taskQueue,
        workflowId: ctx.workflowId,
        args: [{ tools: ['count_words', 'lookup_glossary', 'send_email', 'publish'], message, conversation: false }],
      });
      await decideNext(handle, true);
      await handle.result();
      return handle;
    },
  },
  {
    name: 'agent-conversation',
    async run(ctx) {
      usePrivatePublishDir();
      ctx.emulator.control.model.setDurations({ interactionMs: 300 });
      const handle = await ctx.client.workflow.start(agentWorkflow, {
        taskQueue: ctx.taskQueue,
        workflowId: ctx.workflowId,
        args: [
          {
            tools: ['count_words', 'publish'],
            message: `Publish a draft. ${call('publish', { title: 'Draft', body: 'Not ready.' })}`,
            approvalTimeout: '2 seconds',
            idleTimeout: '10 minutes',
            continueAsNewAfterEvents: 30,
          },
        ],
      });
      await decideNext(handle, false);
      // Nobody answers this approval: it times out and the model is told so.
      await handle.executeUpdate(sendMessageUpdate, {
        args: [`Try again. ${call('publish', { title: 'Draft 2', body: 'Still not ready.' })}`],
      });
      // Without a directive the emulated model calls the first tool, count_words, which runs by itself.
      await handle.executeUpdate(sendMessageUpdate, { args: ['How long was the draft?'] });
      await handle.executeUpdate(endConversationUpdate);
      await handle.result();
      return allRuns(ctx, ctx.workflowId);
    },
  },
  {
    // A turn whose interaction starts idle (a status of SDK 3.6): the agent waits for it (patch
    // agent-waits-on-new-statuses), then one that runs out of budget fails the message and the conversation goes on.
    name: 'agent-new-statuses',
    async run(ctx) {
      ctx.emulator.control.model.setDurations({ interactionMs: 300 });
      ctx.emulator.control.model.setStatusEvents('status');
      const handle = await ctx.client.workflow.start(agentWorkflow, {
        taskQueue: ctx.taskQueue,
        workflowId: ctx.workflowId,
        args: [{ tools: [], message: 'Hello. [[while idle 1500]]', idleTimeout: '10 minutes' }],
      });
      await handle
        .executeUpdate(sendMessageUpdate, { args: ['Plan everything. [[end budget_exceeded]]'] })
        .catch(() => {
          // The failed message is the point: the turn ran out of budget.
        });
      await handle.executeUpdate(endConversationUpdate);
      await handle.result();
      return handle;
    },
  },
  // test/histories/research-brief-pipeline-*.json are runs from before the `source-notes-fan-out` stage, recorded by the
  // code of their time; they stay, so that path keeps replaying. This records the patched path.
  {
    name: 'research-brief-fan-out',
    async run(ctx) {
      usePrivatePublishDir();
      ctx.emulator.control.model.setDurations({ interactionMs: 300, deepResearchMs: 2000, batchMs: 2000 });
      const topic = 'Webhooks versus polling';
      const doc = { title: 'Brief: webhooks versus polling', body: 'Prefer webhooks, keep a backstop.' };
      ctx.emulator.control.model.addInteractionRule({
        match: { model: 'gemini-2.5-flash', inputIncludes: `Write a one-page brief on "${topic}"` },
        turns: [
          { functionCalls: [{ name: 'count_words', arguments: { text: doc.body } }] },
          { functionCalls: [{ name: 'publish', arguments: doc }] },
          { text: 'Published.' },
        ],
      });
      const pipeline = await ctx.client.workflow.start(researchBriefPipeline, {
        taskQueue: ctx.taskQueue,
        workflowId: ctx.workflowId,
        args: [{ topic, followUps: 2, model: 'gemini-2.5-flash' }],
      });
      const status = await eventually(
        async () => {
          const s = await pipeline.query(pipelineStatusQuery);
          return s.stage === 'brief' ? s : undefined;
        },
        'the brief stage',
        120_000,
      );
      await decideNext(ctx.client.workflow.getHandle(status.children.brief), true);
      await pipeline.result();
      return [pipeline, ...Object.values(status.children).map((id) => ctx.client.workflow.getHandle(id))];
    },
  },
];
