// Fan-out: one child workflow per item, with a window in flight, history-safe at any size, and its progress shown.
export { fanOut, job, type FanOutOptions } from './fan-out';
export { fanOutJobs, type FanOutJobsInput, type FanOutCarry } from './fan-out-jobs';
export { fanOutPrompts, maxBatchBytes, type PromptFanOutInput, type PromptFanOutResult } from './prompts';
export { itemWorkflowId } from './children';
