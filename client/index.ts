/**
 * geminiflow/client: typed helpers for the code that starts geminiflow workflows and talks to them (a web app, a
 * script, an approval page). Its exports are listed one by one and recorded in docs/api/client.api.md.
 *
 * @packageDocumentation
 */
import type { Client, WorkflowStartOptions } from '@temporalio/client';
import { type DeadLetterEntry, listDeadLetters, readDeadLetter, replayDeadLetter } from '../temporal/dead-letters';
import {
  type AgentInput,
  type AgentReply,
  type AgentResult,
  type AgentState,
  type ApprovalDecision,
  type ApprovalRecord,
  agentStateQuery,
  type BatchInput,
  batchPrompts,
  type DeepResearchInput,
  deepResearch,
  defaultPriceTable,
  endConversationUpdate,
  type FanOutProgress,
  type GeminiResourceRef,
  type GeminiWaitsState,
  geminiWaitsQuery,
  generateVideo,
  type PendingApproval,
  type PendingApprovalOfRun,
  type PriceTable,
  pendingApprovalsQuery,
  sendMessageUpdate,
  type VideoInput,
  type WaitOptions,
  waitForGeminiJob,
} from '../workflows';
import type { PendingApprovalFilter, RunApprovals, RunApprovalsOptions } from './approvals';
import { approvalLog, approvalsOfRun, listPendingApprovals } from './approvals';
import { connectTemporal } from './connect';
import { type DecideOptions, type DecisionReceipt, decideApproval } from './decide';
import { fanOutProgress } from './fan-outs';
import { type ListRunsOptions, listRuns, type RunStatus, type RunSummary, runResult, runStatus } from './runs';
import { buildTimeline, type RunTimeline, type TimelineLimits, temporalHistories } from './timeline';
import { priceTableFromEnv, runUsage, type UsageWithCost } from './usage';
import { straysSettled } from './within';

export type { DeadLetterReason, DeadLetterRecord } from '../contract';
export { type DeadLetterEntry, type DeadLetterSummary, ReplayError } from '../temporal/dead-letters';
export type { FanOutSummary } from './fan-outs';
export {
  InvalidRunFilterError,
  type ListRunsOptions,
  RunFailedError,
  RunNotFoundError,
  type RunState,
  type RunStatus,
  type RunSummary,
  runStates,
} from './runs';
export { explainTemporalError, RunWorkerUnavailableError, TemporalCallError } from './temporal-errors';
export {
  type EventVia,
  type FlatRow,
  flattenTimeline,
  type MarkKind,
  type RunTimeline,
  type SegmentKind,
  type TimelineJob,
  type TimelineLimits,
  type TimelineMark,
  type TimelineMoment,
  TimelineNotFoundError,
  type TimelineRow,
  type TimelineRun,
  type TimelineSegment,
  type TimelineState,
  type TimelineToolCall,
  type TimelineUsage,
  timelineMoments,
} from './timeline';
export { priceTableFromEnv, type UsageWithCost } from './usage';

/** Temporal's start options; the task queue defaults to the client's. */
export type StartOptions = Omit<WorkflowStartOptions, 'args' | 'taskQueue'> & { taskQueue?: string };

/** geminiflow on one Temporal client and task queue. */
export class GeminiflowClient {
  constructor(
    readonly client: Client,
    /** `prices`: what estimated costs are computed with (default: the default table; see priceTableFromEnv). */
    readonly defaults: { taskQueue: string; prices?: PriceTable },
  ) {}

  /** The price table estimated costs are computed with. */
  get prices(): PriceTable {
    return this.defaults.prices ?? defaultPriceTable;
  }

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

  /**
   * Starts an agent: `workflowType` is your agent workflow (one that calls `runAgent(input, yourTools)`), by name, since
   * its tools live in your workflow code. A tool the workflow's catalog does not have fails the run at once, naming it.
   */
  startAgent(workflowType: string, input: AgentInput, options: StartOptions) {
    return this.client.workflow.start<(input: AgentInput) => Promise<AgentResult>>(workflowType, {
      ...this.withQueue(options),
      args: [input],
    });
  }

  /** Waits in Temporal for a job started elsewhere; its events reach the run through the receiver. */
  waitForJob(resource: GeminiResourceRef, wait: WaitOptions, options: StartOptions) {
    return this.client.workflow.start(waitForGeminiJob, { ...this.withQueue(options), args: [resource, wait] });
  }

  /** What a run waits for right now, since when, and how its earlier waits ended. */
  waits(workflowId: string): Promise<GeminiWaitsState> {
    return this.client.workflow.getHandle(workflowId).query(geminiWaitsQuery);
  }

  /**
   * Runs, running ones first, then by when they closed, latest first: all of yours, or those matching every filter
   * given (status, type, waiting on Gemini, fan-outs, text in the id), a page at a time (`offset`, `limit`).
   */
  listRuns(opts: ListRunsOptions = {}): Promise<RunSummary[]> {
    return listRuns(this.client, opts, this.prices);
  }

  /**
   * A run's state, what it waits for and since when, how earlier waits ended, its pending calls, its stage, and its
   * Gemini usage with an estimated cost.
   */
  runStatus(workflowId: string): Promise<RunStatus> {
    return runStatus(this.client, workflowId, this.prices);
  }

  /**
   * A run's Gemini usage: its own jobs (`own`), and with its children's that reported back (`total`, the pipeline's
   * when it is one), by model, with its budget and an estimated cost. Live from the `geminiUsage` query, else what the
   * run last published; undefined for a run that tracks none.
   */
  usage(workflowId: string): Promise<UsageWithCost | undefined> {
    return runUsage(this.client, workflowId, this.prices);
  }

  /**
   * What happened in a run and when, finished or not, its child runs nested: each Gemini job (which event ended the wait
   * on it, and how it arrived), each tool call (who decided, how long they took), each child run. Read from the
   * histories Temporal keeps, so no worker is needed; costs are estimated with the client's prices. Throws
   * TimelineNotFoundError for an unknown id.
   */
  timeline(workflowId: string, limits: TimelineLimits = {}): Promise<RunTimeline> {
    return buildTimeline(temporalHistories(this.client), workflowId, { prices: this.prices, ...limits });
  }

  /** Waits for the run's result; a failed run throws RunFailedError, whose message is the run's failure. */
  result<T = unknown>(workflowId: string): Promise<T> {
    return runResult<T>(this.client, workflowId);
  }

  /** Verified webhook events that reached no run (pending ones unless `includeReplayed`), newest first. */
  deadLetters(
    opts: { type?: string; reason?: string; includeReplayed?: boolean; limit?: number } = {},
  ): Promise<DeadLetterEntry[]> {
    return listDeadLetters(this.client, opts);
  }

  /** One dead letter with its event (or the envelope of an unknown type); undefined when there is none. */
  deadLetter(webhookId: string) {
    return readDeadLetter(this.client, webhookId);
  }

  /** Delivers a dead letter to its run (or `to`); throws ReplayError saying why it cannot. */
  replayDeadLetter(webhookId: string, opts: { to?: string } = {}) {
    return replayDeadLetter(this.client, webhookId, opts);
  }

  /** The agent's calls that wait for a person's decision. */
  pendingApprovals(agentWorkflowId: string): Promise<PendingApproval[]> {
    return this.client.workflow.getHandle(agentWorkflowId).query(pendingApprovalsQuery);
  }

  /**
   * Every call in the namespace that waits for a person, with its run (one visibility query on
   * GeminiPendingApprovals, then one `pendingApprovals` query per run); oldest request first.
   */
  listPendingApprovals(filter: PendingApprovalFilter = {}): Promise<PendingApprovalOfRun[]> {
    return listPendingApprovals(this.client, filter);
  }

  /**
   * Decides a pending call and says within about 2 s what became of it: `applied`, or `recorded` (no worker took it
   * in time: applied once when the run's worker returns); or rejects with ApprovalRefusedError, the reason (never later).
   */
  decideApproval(agentWorkflowId: string, decision: ApprovalDecision, opts?: DecideOptions): Promise<DecisionReceipt> {
    return decideApproval(this.client, agentWorkflowId, decision, opts);
  }

  /** One run's approvals, from its worker; when none answers in time, as the run published them (its memo). */
  approvalsOf(agentWorkflowId: string, opts: RunApprovalsOptions = {}): Promise<RunApprovals> {
    return approvalsOfRun(this.client, agentWorkflowId, opts);
  }

  /** Resolves once the calls a decision stopped waiting for have ended: close the connection only after it. */
  settled(): Promise<void> {
    return straysSettled(this.client);
  }

  /** The audit record of the agent's calls that needed approval: who decided what, when, and what the tool did. */
  approvalLog(agentWorkflowId: string): Promise<ApprovalRecord[]> {
    return approvalLog(this.client, agentWorkflowId);
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
  fanOutProgress(workflowId: string): Promise<FanOutProgress[]> {
    return fanOutProgress(this.client, workflowId);
  }
}

export type { TemporalSettings } from '../temporal/settings';
export type {
  ApprovalDecision,
  ApprovalRecord,
  ApprovalStatus,
  ApprovalVote,
  ApproverRule,
  Budget,
  BudgetView,
  ClosedCall,
  CostEstimate,
  DecidedApproval,
  DecisionKind,
  FanOutProgress,
  GeminiUsage,
  ModelUsage,
  PendingApproval,
  PendingApprovalOfRun,
  PendingApprovalSource,
  PriceTable,
  RecordedDecision,
  RefusedDecision,
  RuleDecision,
  TokenUsage,
} from '../workflows';
export {
  InvalidApprovalFilterError,
  type PendingApprovalFilter,
  type RunApprovals,
  type RunApprovalsOptions,
} from './approvals';
export type { DecideOptions, DecisionReceipt } from './decide';
export { ApprovalRefusedError } from './refusals';

/**
 * A GeminiflowClient on the Temporal server the environment names (a profile of Temporal's config file, overridden by
 * TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS*; the task queue from TEMPORAL_TASK_QUEUE), its
 * costs estimated with GEMINIFLOW_PRICES on top of the default price table.
 */
export async function connectGeminiflow(opts: { env?: NodeJS.ProcessEnv; connectTimeoutMs?: number } = {}) {
  const env = opts.env ?? process.env;
  const prices = priceTableFromEnv(env);
  const { client, settings, close } = await connectTemporal(opts);
  const geminiflow = new GeminiflowClient(client, { taskQueue: settings.taskQueue, prices });
  return { geminiflow, settings, close: () => geminiflow.settled().then(close) };
}
