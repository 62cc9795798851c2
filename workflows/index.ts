/**
 * geminiflow/workflow: everything workflow-safe. Start and wait for Gemini jobs from your own workflows, run agents
 * with your tools, and the messages and types to talk to them.
 */
export * from '../contract';
export { activityPolicies } from './activity-policies';
export * from './agent';
export {
  type BackgroundInteractionWait,
  type FinishedInteraction,
  runBackgroundInteraction,
} from './background-interaction';
export {
  type BatchEnded,
  type BatchInput,
  type BatchResult,
  type BatchSucceeded,
  batchPrompts,
  maxInlinePromptBytes,
} from './batch';
export { cancelJobOnCancellation } from './cancel-job-on-cancellation';
export { type DeepResearchInput, type DeepResearchResult, deepResearch } from './deep-research';
export * from './fan-out';
export { generateText, type TextInput, type TextResult } from './generate-text';
export { badInput, jobEnded } from './job-failures';
export * from './usage';
export { generateVideo, type VideoInput, type VideoResult } from './video';
export {
  defaultReconcileAfter,
  defaultReconcileMax,
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
  waitSettingsOf,
} from './wait-for-gemini-event';
export { waitForGeminiJob } from './wait-for-gemini-job';
