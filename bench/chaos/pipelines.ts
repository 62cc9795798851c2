import type { BenchStack } from '../support/bench-stack';
import {
  briefWorkflowId,
  decideApprovalUpdate,
  pendingApprovalsQuery,
  type ResearchBriefResult,
  researchBriefPipeline,
} from '../support/stack';

export const model = 'gemini-2.5-flash';

export interface PipelineSpec {
  workflowId: string;
  topic: string;
  followUps: number;
  doc: { title: string; body: string };
}

/** Retries `fn` while Temporal (or the worker behind a query) is down; gives up at the deadline. */
async function persist<T>(what: string, deadline: number, fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what}: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** The brief writer checks its draft's length, then publishes it, then says so. */
export function scriptBriefWriter(stack: BenchStack, spec: PipelineSpec): void {
  stack.emulator.control.model.addInteractionRule({
    match: { model, inputIncludes: `Write a one-page brief on "${spec.topic}"` },
    turns: [
      { functionCalls: [{ name: 'count_words', arguments: { text: spec.doc.body } }] },
      { functionCalls: [{ name: 'publish', arguments: spec.doc }] },
      { text: `Published "${spec.doc.title}".` },
    ],
  });
}

/**
 * Starts the pipeline, approves its `publish` as a person would, and waits for it to close; every call is retried
 * through crashes. Returns the run's result, or throws why it did not complete.
 */
export async function drivePipeline(stack: BenchStack, taskQueue: string, spec: PipelineSpec, deadline: number) {
  await persist('start', deadline, async () => {
    try {
      await stack.client.workflow.start(researchBriefPipeline, {
        taskQueue,
        workflowId: spec.workflowId,
        args: [{ topic: spec.topic, followUps: spec.followUps, model }],
      });
    } catch (err) {
      // A start that reached the server before a crash cut the answer off: it is running, which is what was asked.
      if ((err as Error).name !== 'WorkflowExecutionAlreadyStartedError') throw err;
    }
  });
  const brief = stack.client.workflow.getHandle(briefWorkflowId(spec.workflowId));
  const pipeline = stack.client.workflow.getHandle<typeof researchBriefPipeline>(spec.workflowId);
  let approved = false;
  for (;;) {
    const status = await persist('describe', deadline, () => pipeline.describe()).then((d) => d.status.name);
    if (status === 'COMPLETED') break;
    if (status !== 'RUNNING') throw new Error(`the pipeline is ${status}`);
    if (!approved) {
      const pending = await brief.query(pendingApprovalsQuery).catch(() => []);
      const publish = pending.find((p) => p.tool === 'publish');
      if (publish) {
        approved = await brief
          .executeUpdate(decideApprovalUpdate, { args: [{ callId: publish.callId, approve: true, reviewer: 'chaos' }] })
          .then(
            () => true,
            () => false,
          );
      }
    }
    if (Date.now() > deadline) throw new Error('the pipeline did not complete in time');
    await new Promise((r) => setTimeout(r, 1000));
  }
  return persist('result', deadline, () => pipeline.result()) as Promise<ResearchBriefResult>;
}

/** What is wrong with a pipeline's result, if anything. */
export function checkResult(spec: PipelineSpec, result: ResearchBriefResult): string[] {
  const problems: string[] = [];
  if (result.report.topic !== spec.topic || !result.report.markdown.startsWith(`# Research report: ${spec.topic}`)) {
    problems.push('the research report is not about its topic');
  }
  if (result.followUps.state !== 'succeeded') problems.push(`the follow-up batch ${result.followUps.state}`);
  else if (result.followUps.counts.succeeded !== spec.followUps) {
    problems.push(`${result.followUps.counts.succeeded} of ${spec.followUps} follow-ups answered`);
  }
  if (result.brief.reply !== `Published "${spec.doc.title}".`)
    problems.push(`unexpected brief reply: ${result.brief.reply}`);
  if (result.published?.title !== spec.doc.title) problems.push('the brief was not published');
  return problems;
}
