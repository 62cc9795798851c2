import { deadLetterGeminiEvent, findGeminiResourceOwner, geminiWorkflowStatus } from './routing';
import { createAgentActivities } from './agent-interactions';
import { createApprovalNoticeActivities } from './approval-notices';
import { createBatchActivities, readBatchStatus } from './batches';
import type { GeminiflowConfig } from './config';
import { createFanOutActivities } from './fan-out';
import { createFileActivities } from './files';
import { createGeminiContext } from './gemini-client';
import { createInteractionActivities, readInteractionStatus } from './interactions';
import { createReconcileActivities } from './reconcile';
import { createToolActivities, type Toolset } from './tools';

/**
 * Every activity geminiflow's workflows call, built once from validated configuration. Workflows reach them only
 * through proxyActivities with the named policies of workflows/activity-policies.ts.
 */
export function createActivities(config: GeminiflowConfig, options: { tools?: readonly Toolset[] } = {}) {
  const gemini = createGeminiContext(config);
  return {
    ...createInteractionActivities(gemini),
    ...createAgentActivities(gemini),
    ...createBatchActivities(gemini),
    ...createFileActivities(gemini),
    ...createFanOutActivities(gemini),
    ...createReconcileActivities({
      interaction: (id, until) => readInteractionStatus(gemini.ai, id, until),
      batch: (id) => readBatchStatus(gemini.ai, id),
    }),
    ...createToolActivities(options.tools ?? []),
    ...createApprovalNoticeActivities(config.notify),
    findGeminiResourceOwner,
    geminiWorkflowStatus,
    deadLetterGeminiEvent,
  };
}

export type GeminiflowActivities = ReturnType<typeof createActivities>;

export { type GeminiflowConfig, geminiflowConfigFromEnv } from './config';
export { type ApprovalNotifyConfig, type ApprovalNotifyOptions, checkNotifyConfig } from './notify-config';
export { approvalWebhookId } from './approval-notices';
export { approvalLink, type ApprovalPayload } from './approval-payload';
export { implementTools, ToolError, type ToolContext, type ToolImplementations, type Toolset } from './tools';
export { readBatchOutput } from './batch-output';
export { readFanOutResults } from './fan-out-store';
export { readPromptResults } from './prompt-results';
export { geminiClientFor } from './gemini-client';
