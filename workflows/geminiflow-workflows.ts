// The workflows geminiflow itself hosts; GeminiflowPlugin adds exactly these to the worker's bundle.

export { batchPrompts } from './batch';
export { deepResearch } from './deep-research';
export { fanOutJobs, fanOutPrompts } from './fan-out';
export { generateText } from './generate-text';
export * from './routing';
export { generateVideo } from './video';
export { waitForGeminiJob } from './wait-for-gemini-job';
