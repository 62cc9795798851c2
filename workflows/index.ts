/**
 * geminiflow/workflow: everything workflow-safe. Start and wait for Gemini jobs from your own workflows, run agents
 * with your tools, and the messages and types to talk to them.
 */
export * from '../contract';
export {
  listenForGeminiEvents,
  geminiWaitsQuery,
  waitSettingsOf,
  defaultReconcileAfter,
  defaultReconcileMax,
  type GeminiEvents,
  type GeminiEventsCarryOver,
  type GeminiWaitsState,
  type GeminiWaitView,
  type GeminiResolvedView,
  type ResolvedWait,
  type WaitOptions,
  type WaitSettings,
} from './wait-for-gemini-event';
export { runBackgroundInteraction, type BackgroundInteractionWait, type FinishedInteraction } from './background-interaction';
export { cancelJobOnCancellation } from './cancel-job-on-cancellation';
export { jobEnded, badInput } from './job-failures';
export { activityPolicies } from './activity-policies';
export * from './agent';
export { deepResearch, type DeepResearchInput, type DeepResearchResult } from './deep-research';
export {
  batchPrompts,
  maxInlinePromptBytes,
  type BatchInput,
  type BatchResult,
  type BatchSucceeded,
  type BatchEnded,
} from './batch';
export { generateVideo, type VideoInput, type VideoResult } from './video';
export { waitForGeminiJob } from './wait-for-gemini-job';
export { generateText, type TextInput, type TextResult } from './generate-text';
export * from './fan-out';
