// The workflows geminiflow itself hosts; GeminiflowPlugin adds exactly these to the worker's bundle.
export * from './routing';
export { waitForGeminiJob } from './wait-for-gemini-job';
export { deepResearch } from './deep-research';
export { batchPrompts } from './batch';
export { generateVideo } from './video';
export { generateText } from './generate-text';
export { fanOutJobs, fanOutPrompts } from './fan-out';
