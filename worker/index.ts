/**
 * geminiflow/worker: host geminiflow on your Temporal worker. Add `new GeminiflowPlugin({ tools })` to
 * Worker.create's plugins; it registers the activities and adds geminiflow's workflows to your bundle. Its exports are
 * listed one by one and recorded in docs/api/worker.api.md.
 *
 * @packageDocumentation
 */

export type { ApprovalPayload, ApprovalRun } from '../activities/approval-payload';
export { readBatchOutput } from '../activities/batch-output';
export { type GeminiflowConfig, geminiflowConfigFromEnv } from '../activities/config';
export { type FanOutResultLine, readFanOutResults } from '../activities/fan-out-store';
export { geminiClientFor } from '../activities/gemini-client';
export type { ApprovalNotifyConfig, ApprovalNotifyOptions } from '../activities/notify-config';
export { readPromptResults } from '../activities/prompt-results';
export {
  implementTools,
  type RunnableTool,
  type ToolContext,
  ToolError,
  type ToolImplementation,
  type ToolImplementations,
  type Toolset,
} from '../activities/tools';
export { SetupError } from '../common/errors';
export type { ApprovalNotice } from '../contract';
export { installRuntime } from '../temporal/runtime';
export { bundleWorkflows } from './bundle';
export { type WorkerStartSettings, workerStartSettingsFromEnv } from './config';
export { connectToTemporal } from './connect';
export { GeminiflowPlugin, type GeminiflowPluginOptions } from './plugin';
export { geminiflowWorkerTuning } from './tuning';
export {
  type EnsuredWebhook,
  type EnsureWebhookSettings,
  ensureRegisteredWebhook,
  ensureWebhookAtStartup,
} from './webhook-setup';
