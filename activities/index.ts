// Every activity the worker hosts. Workflows reach them only through proxyActivities with explicit timeouts.
export * from '../routing/activities';
export { reconcileGeminiResource } from './reconcile';
export { startBackgroundInteraction, cancelInteraction, fetchDeepResearchReport } from './interactions';
export { createAgentInteraction, getAgentInteraction } from './agent-interactions';
export { runTool } from './tools';
export { uploadBatchInput, createBatchJob, cancelBatchJob, collectBatchResults } from './batches';
export { downloadGeneratedVideo, deleteGeminiFile } from './files';
