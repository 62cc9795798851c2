// Fan-out: one child workflow per item, with a window in flight, history-safe at any size, and its progress shown.

export { itemWorkflowId } from './children';
export { type FanOutOptions, fanOut, job } from './fan-out';
export { type FanOutCarry, type FanOutJobsInput, fanOutJobs } from './fan-out-jobs';
export { fanOutPrompts, maxBatchBytes, type PromptFanOutInput, type PromptFanOutResult } from './prompts';
