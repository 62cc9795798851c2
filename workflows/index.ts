// The worker's workflow bundle: every workflow type the worker hosts is exported here.
export { geminiMailbox } from '../routing/mailbox-workflow';
export { geminiDeadLetter } from '../routing/dead-letter-workflow';
export { waitForGeminiJob } from './wait-for-gemini-job';
export { agentWorkflow } from './agent';
export { deepResearch } from './deep-research';
export { batchPrompts } from './batch';
export { generateVideo } from './video';
export { researchBriefPipeline } from './research-brief-pipeline';
