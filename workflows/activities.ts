import { proxyActivities } from '@temporalio/workflow';
import type { GeminiflowActivities } from '../activities';
import { activityPolicies as policy } from './activity-policies';

// geminiflow's activities as the workflows see them: each one proxied once, under its named policy.
type A = GeminiflowActivities;

export const { startBackgroundInteraction, createAgentInteraction, createBatchJob } = proxyActivities<A>(
  policy.createJob,
);
export const { cancelInteraction, cancelBatchJob } = proxyActivities<A>(policy.cancelJob);
export const { fetchDeepResearchReport, getAgentInteraction } = proxyActivities<A>(policy.readJob);
export const { reconcileGeminiResource } = proxyActivities<A>(policy.statusRead);
export const { uploadBatchInput, collectBatchResults, downloadGeneratedVideo } = proxyActivities<A>(
  policy.transferFile,
);
export const { deleteGeminiFile } = proxyActivities<A>(policy.deleteFile);
export const { runTool } = proxyActivities<A>(policy.runTool);
export const { notifyApproval } = proxyActivities<A>(policy.notify);
export const { storeFanOutPlan, readFanOutPlan, storeFanOutResults } = proxyActivities<A>(policy.fanOutStore);
// Prompt fan-outs stream whole prompt sets and batch outputs, heartbeating as they go.
export const { planPromptBatches, planPromptRequests, collectPromptResults } = proxyActivities<A>(policy.transferFile);
export const { geminiPriceTable } = proxyActivities<A>(policy.workerSetting);
