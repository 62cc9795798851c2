/**
 * geminiflow/client: typed helpers for the code that starts geminiflow workflows and talks to them (a web app, a
 * script, an approval page).
 */
import type { Client, WorkflowStartOptions } from '@temporalio/client';
import {
  type AgentReply,
  type AgentState,
  agentStateQuery,
  type ApprovalDecision,
  batchPrompts,
  type BatchInput,
  decideApprovalUpdate,
  deepResearch,
  type DeepResearchInput,
  endConversationUpdate,
  type FanOutProgress,
  fanOutProgressQuery,
  type GeminiResourceRef,
  type GeminiWaitsState,
  geminiWaitsQuery,
  generateVideo,
  type PendingApproval,
  pendingApprovalsQuery,
  sendMessageUpdate,
  type VideoInput,
  waitForGeminiJob,
  type WaitOptions,
} from '../workflows';

/** Temporal's start options; the task queue defaults to the client's. */
export type StartOptions = Omit<WorkflowStartOptions, 'args' | 'taskQueue'> & { taskQueue?: string };

/** geminiflow on one Temporal client and task queue. */
export class GeminiflowClient {
  constructor(
    readonly client: Client,
    readonly defaults: { taskQueue: string },
  ) {}

  private withQueue(options: StartOptions) {
    return { ...options, taskQueue: options.taskQueue ?? this.defaults.taskQueue };
  }

  startDeepResearch(input: DeepResearchInput, options: StartOptions) {
    return this.client.workflow.start(deepResearch, { ...this.withQueue(options), args: [input] });
  }

  startBatch(input: BatchInput, options: StartOptions) {
    return this.client.workflow.start(batchPrompts, { ...this.withQueue(options), args: [input] });
  }

  startVideo(input: VideoInput, options: StartOptions) {
    return this.client.workflow.start(generateVideo, { ...this.withQueue(options), args: [input] });
  }

  /** Waits in Temporal for a job started elsewhere; its events reach the run through the receiver. */
  waitForJob(resource: GeminiResourceRef, wait: WaitOptions, options: StartOptions) {
    return this.client.workflow.start(waitForGeminiJob, { ...this.withQueue(options), args: [resource, wait] });
  }

  /** What a run waits for right now, since when, and how its earlier waits ended. */
  waits(workflowId: string): Promise<GeminiWaitsState> {
    return this.client.workflow.getHandle(workflowId).query(geminiWaitsQuery);
  }

  /** The agent's calls that wait for a person's decision. */
  pendingApprovals(agentWorkflowId: string): Promise<PendingApproval[]> {
    return this.client.workflow.getHandle(agentWorkflowId).query(pendingApprovalsQuery);
  }

  /** Approves or denies a pending call; refused (with the reason) when the call is unknown, stale or decided. */
  decideApproval(agentWorkflowId: string, decision: ApprovalDecision) {
    return this.client.workflow.getHandle(agentWorkflowId).executeUpdate(decideApprovalUpdate, { args: [decision] });
  }

  agentState(agentWorkflowId: string): Promise<AgentState> {
    return this.client.workflow.getHandle(agentWorkflowId).query(agentStateQuery);
  }

  /** A follow-up message to a conversational agent; resolves with the model's answer. */
  sendMessage(agentWorkflowId: string, text: string): Promise<AgentReply> {
    return this.client.workflow.getHandle(agentWorkflowId).executeUpdate(sendMessageUpdate, { args: [text] });
  }

  endConversation(agentWorkflowId: string): Promise<void> {
    return this.client.workflow.getHandle(agentWorkflowId).executeUpdate(endConversationUpdate);
  }

  /**
   * How far a fan-out got: done, failed, running and left, its window and rate limits. Given a `fanOutJobs` run, its
   * own progress; given a pipeline (or a `fanOutPrompts` run), the progress of every fan-out started under its id
   * (`<id>/<name>`), found through visibility, so one that started a second ago may not show yet.
   */
  async fanOutProgress(workflowId: string): Promise<FanOutProgress[]> {
    try {
      return [await this.client.workflow.getHandle(workflowId).query(fanOutProgressQuery)];
    } catch (ownErr) {
      const prefix = `${workflowId}/`;
      if (prefix.includes('"')) throw ownErr;
      const query = `WorkflowType = 'fanOutJobs' AND WorkflowId STARTS_WITH "${prefix}" AND ExecutionStatus != 'ContinuedAsNew'`;
      const ids: string[] = [];
      for await (const run of this.client.workflow.list({ query })) ids.push(run.workflowId);
      if (ids.length === 0) throw ownErr;
      const found = await Promise.all([...new Set(ids)].sort().map((id) => this.client.workflow.getHandle(id).query(fanOutProgressQuery)));
      return found;
    }
  }
}

