import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import {
  deadLetterReplayedSignal,
  deadLetterWorkflowId,
  GeminiResourceIds,
  geminiEventSignal,
  mailboxWorkflowId,
} from '../../contract';
import { eventually } from '../../test/helpers/eventually';
import { batchPrompts, deepResearch, geminiWaitsQuery, generateVideo, waitForGeminiJob } from '../../workflows';
import { geminiMailbox } from '../../workflows/routing/mailbox';
import type { HistoryScenario, RecordingContext } from './scenario';

/** Waits until the run is parked on a Gemini job and returns the job's id. */
function waitingOn(handle: WorkflowHandle): Promise<string> {
  return eventually(async () => {
    const state = await handle.query(geminiWaitsQuery).catch(() => undefined);
    return state?.waiting[0]?.resource.id;
  }, `${handle.workflowId} to start waiting`);
}

/** Waits until a workflow the receiver starts (a mailbox, a dead letter) exists. */
function started(handle: WorkflowHandle): Promise<unknown> {
  return eventually(() => handle.describe().catch(() => undefined), `${handle.workflowId} to be started`, 10_000);
}

/** Runs to the end; a failed or cancelled run is a valid history too. */
async function settled<T extends WorkflowHandle>(handle: T): Promise<T> {
  await handle.result().catch(() => undefined);
  return handle;
}

const start = {
  deepResearch: (ctx: RecordingContext, topic: string, extra = {}) =>
    ctx.client.workflow.start(deepResearch, {
      taskQueue: ctx.taskQueue,
      workflowId: ctx.workflowId,
      args: [{ topic, ...extra }],
    }),
};

/** W1's workflows. Each scenario takes seconds: the emulator's durations are short. */
export const scenarios: HistoryScenario[] = [
  {
    name: 'deep-research-webhook',
    async run(ctx) {
      ctx.emulator.control.model.setDurations({ deepResearchMs: 1500 });
      return settled(await start.deepResearch(ctx, 'the history of durable execution'));
    },
  },
  {
    name: 'deep-research-reconciled',
    async run(ctx) {
      ctx.emulator.control.model.setDurations({ deepResearchMs: 1500 });
      ctx.emulator.control.faults.addDeliveryFault({ kind: 'drop', match: { eventType: 'interaction.completed' } });
      return settled(await start.deepResearch(ctx, 'lost webhooks', { reconcileAfter: '1s', reconcileMax: '2s' }));
    },
  },
  {
    name: 'deep-research-cancelled',
    async run(ctx) {
      ctx.emulator.control.model.setDurations({ deepResearchMs: 3_600_000 });
      const handle = await start.deepResearch(ctx, 'a study that is called off');
      await waitingOn(handle);
      await handle.cancel();
      return settled(handle);
    },
  },
  // The interaction statuses of SDK 3.6: a stopped-short end read back with its partial output (patch
  // interaction-stopped-short), a continuation that stalls (patch interaction-continuation-stall), a status unknown
  // to geminiflow.
  ...(
    [
      ['deep-research-budget-exceeded', 'everything at once [[end budget_exceeded]]', 'status'],
      ['deep-research-stalled', 'a long decode [[end requires_continuation]]', 'status'],
      ['deep-research-unknown-status', 'something new [[end paused_for_review]]', 'none'],
    ] as const
  ).map(([name, topic, statusEvents]) => ({
    name,
    async run(ctx: RecordingContext) {
      ctx.emulator.control.model.setDurations({ deepResearchMs: 1500 });
      ctx.emulator.control.model.setStatusEvents(statusEvents);
      return settled(await start.deepResearch(ctx, topic, { wait: { reconcileAfter: '1s', reconcileMax: '2s' } }));
    },
  })),
  {
    name: 'batch-succeeded',
    async run(ctx) {
      ctx.emulator.control.model.setDurations({ batchMs: 1500 });
      const displayName = `record ${randomUUID()}`;
      ctx.emulator.control.model.addBatchRule({ match: { displayName }, failKeys: ['item-3'] });
      return settled(
        await ctx.client.workflow.start(batchPrompts, {
          taskQueue: ctx.taskQueue,
          workflowId: ctx.workflowId,
          args: [
            {
              model: 'gemini-2.5-flash',
              displayName,
              prompts: { kind: 'template', template: 'Summarise {i}', count: 50 },
            },
          ],
        }),
      );
    },
  },
  {
    name: 'batch-failed',
    async run(ctx) {
      ctx.emulator.control.model.setDurations({ batchMs: 1000 });
      const displayName = `record ${randomUUID()}`;
      ctx.emulator.control.model.addBatchRule({ match: { displayName }, fail: { message: 'quota gone' } });
      return settled(
        await ctx.client.workflow.start(batchPrompts, {
          taskQueue: ctx.taskQueue,
          workflowId: ctx.workflowId,
          args: [
            {
              model: 'gemini-2.5-flash',
              displayName,
              prompts: { kind: 'inline', prompts: [{ key: 'a', text: 'hi' }] },
            },
          ],
        }),
      );
    },
  },
  {
    name: 'batch-cancelled',
    async run(ctx) {
      ctx.emulator.control.model.setDurations({ batchMs: 3_600_000 });
      const handle = await ctx.client.workflow.start(batchPrompts, {
        taskQueue: ctx.taskQueue,
        workflowId: ctx.workflowId,
        args: [{ model: 'gemini-2.5-flash', prompts: { kind: 'template', template: 'p{i}', count: 5 } }],
      });
      await waitingOn(handle);
      await handle.cancel();
      return settled(handle);
    },
  },
  // test/histories/video-generated.json is the run before `video-done-on-either-event` (Veo, video.generated only);
  // it stays, recorded by the code of its time, so that path keeps replaying. These record the patched path.
  ...(['both', 'completed', 'none'] as const).map((events) => ({
    name: `video-omni-${events}`,
    async run(ctx: RecordingContext) {
      ctx.emulator.control.model.setDurations({ videoMs: 1500 });
      ctx.emulator.control.model.setVideoCompletionEvents(events);
      return settled(
        await ctx.client.workflow.start(generateVideo, {
          taskQueue: ctx.taskQueue,
          workflowId: ctx.workflowId,
          args: [{ prompt: `a paper boat on a river (${events})`, wait: { reconcileAfter: '3s' } }],
        }),
      );
    },
  })),
  {
    name: 'wait-for-job-reconciled',
    async run(ctx) {
      ctx.emulator.control.model.setDurations({ interactionMs: 1500 });
      // Started outside geminiflow, without webhook_config: only the status read can tell the workflow.
      const job = await ctx.ai.interactions.create({ model: 'gemini-2.5-flash', input: 'external', background: true });
      return settled(
        await ctx.client.workflow.start(waitForGeminiJob, {
          taskQueue: ctx.taskQueue,
          workflowId: ctx.workflowId,
          args: [
            { kind: 'interaction', id: job.id },
            { reconcileAfter: '500ms', reconcileMax: '1s' },
          ],
        }),
      );
    },
  },
  {
    name: 'mailbox-forwarded',
    async run(ctx) {
      // An event that outruns its owner and names none: the receiver holds it in the resource's mailbox, which forwards
      // it once a workflow records the resource.
      const resourceId = `early-${randomUUID()}`;
      ctx.emulator.control.emitEvent({
        type: 'interaction.completed',
        data: { id: resourceId },
        uris: [ctx.receiverUrl],
      });
      const mailbox = ctx.client.workflow.getHandle(mailboxWorkflowId(resourceId));
      await started(mailbox);
      const owner = await ctx.client.workflow.start(waitForGeminiJob, {
        taskQueue: ctx.taskQueue,
        workflowId: ctx.workflowId,
        args: [{ kind: 'interaction', id: resourceId }, { reconcileAfter: '1 hour' }],
      });
      return [await settled(owner), await settled(mailbox)];
    },
  },
  {
    name: 'mailbox-late',
    async run(ctx) {
      // An event held in its mailbox while a copy of the same delivery reached the owner directly and completed it:
      // the mailbox finds the owner completed and counts the held event late, keeping no dead letter.
      const resourceId = `copied-${randomUUID()}`;
      const [delivery] = ctx.emulator.control.emitEvent({
        type: 'interaction.completed',
        data: { id: resourceId },
        uris: [ctx.receiverUrl],
      });
      const mailbox = ctx.client.workflow.getHandle(mailboxWorkflowId(resourceId));
      await started(mailbox);
      const owner = await ctx.client.workflow.signalWithStart(waitForGeminiJob, {
        taskQueue: ctx.taskQueue,
        workflowId: ctx.workflowId,
        args: [{ kind: 'interaction', id: resourceId }, { reconcileAfter: '1 hour' }],
        typedSearchAttributes: [{ key: GeminiResourceIds, value: [resourceId] }],
        signal: geminiEventSignal,
        signalArgs: [
          {
            webhookId: delivery!.webhookId,
            type: 'interaction.completed',
            resourceId,
            timestamp: new Date().toISOString(),
            data: { id: resourceId },
            via: 'webhook',
          },
        ],
      });
      return [await settled(owner), await settled(mailbox)];
    },
  },
  {
    name: 'mailbox-continued',
    async run(ctx) {
      // More held events than a run of the mailbox keeps: it continues as new (threshold lowered to 20 history events)
      // and forwards them all to the owner, which takes every event and goes on waiting.
      const resourceId = `flood-${randomUUID()}`;
      const owner = await ctx.client.workflow.start(waitForGeminiJob, {
        taskQueue: ctx.taskQueue,
        workflowId: ctx.workflowId,
        args: [
          { kind: 'interaction', id: resourceId },
          { until: ['video.generated'], reconcileAfter: '1 hour' },
        ],
      });
      await waitingOn(owner);
      const input = { resourceId, lookupTimeoutMs: 30_000, lingerTimeoutMs: 1000, continueAsNewAfterEvents: 20 };
      let firstRunId: string | undefined;
      for (let i = 0; i < 12; i++) {
        const event = {
          webhookId: `msg_${randomUUID()}`,
          type: 'interaction.requires_action' as const,
          resourceId,
          timestamp: new Date().toISOString(),
          data: { id: resourceId },
          via: 'webhook' as const,
        };
        const handle = await ctx.client.workflow.signalWithStart(geminiMailbox, {
          workflowId: mailboxWorkflowId(resourceId),
          taskQueue: ctx.taskQueue,
          args: [input],
          signal: geminiEventSignal,
          signalArgs: [event],
        });
        firstRunId ??= handle.signaledRunId;
      }
      const last = ctx.client.workflow.getHandle(mailboxWorkflowId(resourceId));
      await last.result();
      const { runId } = await last.describe();
      await owner.terminate('recorded');
      return [
        ctx.client.workflow.getHandle(mailboxWorkflowId(resourceId), firstRunId),
        ctx.client.workflow.getHandle(mailboxWorkflowId(resourceId), runId),
      ];
    },
  },
  {
    name: 'dead-letter-replayed',
    async run(ctx) {
      // A verified event for a workflow that does not exist becomes a dead letter, open until someone replays it.
      const [delivery] = ctx.emulator.control.emitEvent({
        type: 'batch.succeeded',
        data: { id: `batches/${randomUUID()}` },
        userMetadata: { temporal_workflow_id: `${ctx.workflowId}-missing` },
        uris: [ctx.receiverUrl],
      });
      const letter = ctx.client.workflow.getHandle(deadLetterWorkflowId(delivery!.webhookId));
      await started(letter);
      await letter.signal(deadLetterReplayedSignal, { to: 'recorder', at: '2026-01-01T00:00:00Z' });
      return settled(letter);
    },
  },
];
