/**
 * geminiflow/worker: host geminiflow on your Temporal worker. Add `new GeminiflowPlugin({ tools })` to
 * Worker.create's plugins; it registers the activities and adds geminiflow's workflows to your bundle.
 */

export {
  type ApprovalNotifyConfig,
  type ApprovalNotifyOptions,
  type ApprovalPayload,
  approvalWebhookId,
  createActivities,
  type GeminiflowActivities,
  type GeminiflowConfig,
  geminiClientFor,
  geminiflowConfigFromEnv,
  implementTools,
  readBatchOutput,
  readFanOutResults,
  readPromptResults,
  type ToolContext,
  ToolError,
  type ToolImplementations,
  type Toolset,
} from '../activities';
export { installRuntime } from '../temporal/runtime';
export { bundleWorkflows } from './bundle';
export { type WorkerStartSettings, workerStartSettingsFromEnv } from './config';
export { connectToTemporal } from './connect';
export { GeminiflowPlugin, type GeminiflowPluginOptions } from './plugin';
export { geminiflowWorkerTuning } from './tuning';
export { type EnsuredWebhook, ensureRegisteredWebhook, ensureWebhookAtStartup } from './webhook-setup';
export { geminiflowWorkflowsPath, withGeminiflowWorkflows } from './workflows-path';
