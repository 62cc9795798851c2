/**
 * geminiflow/workflow: everything workflow-safe. Start and wait for Gemini jobs from your own workflows, fan out
 * thousands of them, run agents with your tools, and the messages and types to talk to them. Its exports are listed
 * one by one (the job workflows and their types, fan-outs, waits, agents and their messages, and from contract/ what
 * every part shares) and recorded in docs/api/workflow.api.md; anything else in this folder is internal.
 *
 * @packageDocumentation
 */

export {
  type ApprovalDecision,
  type ApprovalDecisionBase,
  type ApprovalEvent,
  type ApprovalNotificationResult,
  type ApprovalRecord,
  type ApprovalStatus,
  type ApprovalTimeoutOutcome,
  type ApprovalToolOutcome,
  type ApprovalVote,
  type ApproverRule,
  approvalEvents,
  approvalsMemoKey,
  type BackgroundInteractionRequest,
  type BatchItemError,
  type BatchItemResult,
  type BatchPrompt,
  type BatchRequestOptions,
  type Budget,
  type BudgetLimits,
  type BudgetSpent,
  type BudgetState,
  type BudgetView,
  budgetToolName,
  type ClosedCall,
  type CollectedPromptResults,
  type CostEstimate,
  type DecidedApproval,
  type DecisionKind,
  type DeepResearchReport,
  type DownloadedVideo,
  decisionKinds,
  defaultDeepResearchAgent,
  defaultPriceTable,
  defaultTextModel,
  defaultVideoModel,
  defineTool,
  type FanOutCounts,
  type FanOutFailure,
  type FanOutFailurePolicy,
  type FanOutItemError,
  type FanOutItemResult,
  type FanOutJob,
  type FanOutProgress,
  type FanOutProgressMemo,
  type FanOutResult,
  type FanOutResultsRef,
  type FanOutState,
  fanOutProgressQuery,
  type GeminiEvent,
  type GeminiEventType,
  GeminiFanOutProgress,
  GeminiflowFailure,
  type GeminiflowFailureType,
  GeminiPendingApprovals,
  GeminiResourceIds,
  type GeminiResourceKind,
  type GeminiResourceRef,
  type GeminiUsage,
  GeminiWaitingFor,
  GeminiWaitingSince,
  geminiEventSignal,
  geminiEventTypes,
  geminiResourceKinds,
  geminiUsageQuery,
  jobKinds,
  type ModelPrice,
  type ModelUsage,
  type PendingApproval,
  type PendingApprovalOfRun,
  type PendingApprovalSource,
  type PolicyRule,
  type PriceTable,
  type PromptSource,
  type PublishedApprovals,
  type RecordedDecision,
  type RefusedDecision,
  type ReportSource,
  type RuleDecision,
  type RuleVerdict,
  type StoppedInteraction,
  type StoppedShortStatus,
  stoppedShortStatuses,
  type TokenUsage,
  type ToolArgs,
  type ToolCallContext,
  ToolDefinitionError,
  type ToolPolicy,
  type ToolRegistry,
  type ToolSpec,
  toolRegistry,
} from '../contract';
export type { ApprovalsCarryOver } from './agent/approvals';
export {
  agentStateQuery,
  approvalLogQuery,
  decideApprovalUpdate,
  endConversationUpdate,
  pendingApprovalsQuery,
  recordDecisionSignal,
  sendMessageUpdate,
} from './agent/messages';
export { runAgent } from './agent/run-agent';
export type { TranscriptCarryOver, TranscriptEntry } from './agent/transcript';
export type { AgentCarryOver, AgentInput, AgentPhase, AgentReply, AgentResult, AgentState } from './agent/types';
export {
  type BackgroundInteractionWait,
  type FinishedInteraction,
  runBackgroundInteraction,
} from './background-interaction';
export {
  type BatchEnded,
  type BatchInput,
  type BatchOutcomeBase,
  type BatchResult,
  type BatchSucceeded,
  batchPrompts,
} from './batch';
export { type DeepResearchInput, type DeepResearchResult, deepResearch } from './deep-research';
export { itemWorkflowId } from './fan-out/children';
export { type FanOutOptions, fanOut, job } from './fan-out/fan-out';
export type { FanOutSettings } from './fan-out/fan-out-jobs';
export { fanOutPrompts, type PromptFanOutInput, type PromptFanOutResult } from './fan-out/prompts';
export { generateText, type TextInput, type TextResult } from './generate-text';
export { badInput, jobEnded } from './job-failures';
export {
  type BudgetCarry,
  type ChildOptions,
  type GeminiUsageCarry,
  GeminiUsageTracker,
  type TrackUsageOptions,
  trackGeminiUsage,
} from './usage';
export { generateVideo, type VideoInput, type VideoResult } from './video';
export {
  type GeminiEvents,
  type GeminiEventsCarryOver,
  type GeminiResolvedView,
  type GeminiWaitsState,
  type GeminiWaitView,
  geminiWaitsQuery,
  listenForGeminiEvents,
  type ResolvedWait,
  type WaitOptions,
  type WaitSettings,
} from './wait-for-gemini-event';
export { waitForGeminiJob } from './wait-for-gemini-job';
