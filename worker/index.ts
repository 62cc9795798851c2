/**
 * geminiflow/worker: host geminiflow on your Temporal worker. Add `new GeminiflowPlugin({ tools })` to
 * Worker.create's plugins; it registers the activities and adds geminiflow's workflows to your bundle.
 */
export { GeminiflowPlugin, type GeminiflowPluginOptions } from './plugin';
export {
  approvalWebhookId,
  createActivities,
  geminiClientFor,
  geminiflowConfigFromEnv,
  implementTools,
  readBatchOutput,
  readFanOutResults,
  readPromptResults,
  ToolError,
  type ApprovalNotifyConfig,
  type ApprovalNotifyOptions,
  type ApprovalPayload,
  type GeminiflowActivities,
  type GeminiflowConfig,
  type ToolContext,
  type ToolImplementations,
  type Toolset,
} from '../activities';
export { bundleWorkflows } from './bundle';
export { connectToTemporal } from './connect';
export { geminiflowWorkflowsPath, withGeminiflowWorkflows } from './workflows-path';
export { ensureRegisteredWebhook, ensureWebhookAtStartup, type EnsuredWebhook } from './webhook-setup';
export { workerStartSettingsFromEnv, type WorkerStartSettings } from './config';
export { installRuntime } from '../temporal/runtime';
export { geminiflowWorkerTuning } from './tuning';
