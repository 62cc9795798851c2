// The workflows geminiflow itself hosts; GeminiflowPlugin adds exactly these to the worker's bundle.
export { geminiMailbox } from './mailbox';
export { geminiDeadLetter } from './dead-letter';
export { waitForGeminiJob } from './wait-for-gemini-job';
export { deepResearch } from './deep-research';
export { batchPrompts } from './batch';
export { generateVideo } from './video';
