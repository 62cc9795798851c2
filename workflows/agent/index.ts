// The agent building blocks: run an agent with your tool registry, its messages, and the types its callers see.

export type { ApprovalOutcome, ApprovalRules, ApprovalsCarryOver } from './approvals';
export * from './messages';
export { runAgent } from './run-agent';
export type { TranscriptCarryOver, TranscriptEntry } from './transcript';
export * from './types';
