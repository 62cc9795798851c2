import type { WorkflowHandle } from '@temporalio/client';
import { answerQuestions } from '../../example/answer-questions';
import { eventually } from '../../test/helpers/eventually';
import { fanOutProgressQuery, fanOutPrompts, itemWorkflowId } from '../../workflows';
import type { HistoryScenario, RecordingContext } from './scenario';

// Fan-outs for the replay test: one crossing the continue-as-new boundary twice (its first two runs are histories of a
// fan-out in progress), one stopped by fail-fast while items run, one whose held-back counts a catch-up timer
// publishes, and prompt fan-outs in both modes.

const model = 'gemini-2.5-flash';

async function allRuns(ctx: RecordingContext, workflowId: string): Promise<WorkflowHandle[]> {
  const runs: WorkflowHandle[] = [];
  for await (const info of ctx.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    runs.push(ctx.client.workflow.getHandle(workflowId, info.runId));
  }
  return runs.reverse();
}

async function settled<T extends WorkflowHandle>(handle: T): Promise<T> {
  await handle.result().catch(() => undefined);
  return handle;
}

export const scenarios: HistoryScenario[] = [
  {
    name: 'fan-out-continued',
    async run(ctx) {
      ctx.emulator.control.model.setDurations({ interactionMs: 300 });
      const questions = Array.from({ length: 7 }, (_, i) =>
        i === 4 ? `question ${i} [[fail no answer]]` : `question ${i}`,
      );
      // Results start inline and move to the store part-way (the limit is a few results), so both paths are recorded.
      const pipeline = await settled(
        await ctx.client.workflow.start(answerQuestions, {
          taskQueue: ctx.taskQueue,
          workflowId: ctx.workflowId,
          args: [{ questions, model, concurrency: 2, itemsPerRun: 3, inlineResultLimitBytes: 600 }],
        }),
      );
      const fanOut = `${ctx.workflowId}/answers`;
      return [pipeline, ...(await allRuns(ctx, fanOut)), ctx.client.workflow.getHandle(itemWorkflowId(fanOut, 0))];
    },
  },
  {
    name: 'fan-out-stopped',
    async run(ctx) {
      ctx.emulator.control.model.setDurations({ interactionMs: 300 });
      ctx.emulator.control.model.addInteractionRule({
        match: { inputIncludes: 'slow' },
        turns: [{ durationMs: 3_600_000 }],
      });
      const pipeline = await ctx.client.workflow.start(answerQuestions, {
        taskQueue: ctx.taskQueue,
        workflowId: ctx.workflowId,
        args: [
          {
            questions: ['slow a', 'slow b', 'quick [[fail at once]]', 'never'],
            model,
            concurrency: 3,
            onFailure: 'fail-fast',
          },
        ],
      });
      await settled(pipeline);
      return [pipeline, ctx.client.workflow.getHandle(`${ctx.workflowId}/answers`)];
    },
  },
  {
    name: 'fan-out-catch-up',
    async run(ctx) {
      ctx.emulator.control.model.setDurations({ interactionMs: 300 });
      ctx.emulator.control.model.addInteractionRule({
        match: { inputIncludes: 'slow' },
        turns: [{ durationMs: 12_000 }],
      });
      const pipeline = await ctx.client.workflow.start(answerQuestions, {
        taskQueue: ctx.taskQueue,
        workflowId: ctx.workflowId,
        args: [{ questions: ['slow one', 'quick a', 'quick b'], model, concurrency: 3 }],
      });
      const fanOut = ctx.client.workflow.getHandle(`${ctx.workflowId}/answers`);
      await settled(pipeline);
      // The quick items finish within 5 s of the start's update, so only the catch-up timer can publish them.
      const events = (await fanOut.fetchHistory()).events ?? [];
      if (!events.some((e) => e.timerStartedEventAttributes)) throw new Error('the fan-out started no catch-up timer');
      return [pipeline, fanOut];
    },
  },
  ...(['batch', 'per-request'] as const).map((mode) => ({
    name: `prompt-fan-out-${mode === 'batch' ? 'batches' : 'requests'}`,
    async run(ctx: RecordingContext) {
      ctx.emulator.control.model.setDurations({ interactionMs: 300, batchMs: 1000 });
      const prompts = Array.from({ length: 5 }, (_, i) => ({
        key: `p${i}`,
        text: i === 2 ? 'refused [[fail no]]' : `prompt ${i}`,
      }));
      const handle = await ctx.client.workflow.start(fanOutPrompts, {
        taskQueue: ctx.taskQueue,
        workflowId: ctx.workflowId,
        args: [{ prompts: { kind: 'inline', prompts }, mode, model, batchSize: { prompts: 2 }, concurrency: 2 }],
      });
      const inner = `${ctx.workflowId}/${mode === 'batch' ? 'batches' : 'requests'}`;
      // The progress query is answered while it runs, as the CLI asks it.
      await eventually(
        () =>
          ctx.client.workflow
            .getHandle(inner)
            .query(fanOutProgressQuery)
            .catch(() => undefined),
        'progress',
      );
      return [await settled(handle), ctx.client.workflow.getHandle(inner)];
    },
  })),
];
