import { type Tracing, tracingFor } from '../tracing/provider';
import { createAgentActivities } from './agent-interactions';
import { createApprovalNoticeActivities } from './approval-notices';
import { createBatchActivities, readBatchStatus } from './batches';
import type { GeminiflowConfig } from './config';
import { createFanOutActivities } from './fan-out';
import { createFileActivities } from './files';
import { createGeminiContext } from './gemini-client';
import { createInteractionActivities, readInteractionStatus } from './interactions';
import { createPriceActivities } from './prices';
import { createReconcileActivities } from './reconcile';
import { deadLetterGeminiEvent, findGeminiResourceOwner, geminiWorkflowStatus } from './routing';
import { createToolActivities, type Toolset } from './tools';

/**
 * Every activity geminiflow's workflows call, built once from validated configuration. Workflows reach them only
 * through proxyActivities with the named policies of workflows/activity-policies.ts.
 */
export function createActivities(
  config: GeminiflowConfig,
  options: { tools?: readonly Toolset[]; tracing?: Tracing | false } = {},
) {
  // Tracing follows the OTEL_* variables unless given (false: never).
  const tracing = options.tracing === undefined ? tracingFor('worker') : options.tracing || undefined;
  const gemini = createGeminiContext(config, tracing);
  return {
    ...createInteractionActivities(gemini),
    ...createAgentActivities(gemini),
    ...createBatchActivities(gemini),
    ...createFileActivities(gemini),
    ...createFanOutActivities(gemini),
    ...createReconcileActivities({
      interaction: (id, until) => readInteractionStatus(gemini, id, until),
      batch: (id) => readBatchStatus(gemini.ai, id),
    }),
    ...createToolActivities(options.tools ?? [], tracing),
    ...createApprovalNoticeActivities(config.notify),
    ...createPriceActivities(config),
    findGeminiResourceOwner,
    geminiWorkflowStatus,
    deadLetterGeminiEvent,
  };
}

export type GeminiflowActivities = ReturnType<typeof createActivities>;

export { approvalWebhookId } from './approval-notices';
export { type ApprovalPayload, approvalLink } from './approval-payload';
export { readBatchOutput } from './batch-output';
export { type GeminiflowConfig, geminiflowConfigFromEnv } from './config';
export { readFanOutResults } from './fan-out-store';
export { geminiClientFor } from './gemini-client';
export { type ApprovalNotifyConfig, type ApprovalNotifyOptions, checkNotifyConfig } from './notify-config';
export { readPromptResults } from './prompt-results';
export { implementTools, type ToolContext, ToolError, type ToolImplementations, type Toolset } from './tools';
