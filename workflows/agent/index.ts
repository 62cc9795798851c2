// The agent building blocks: run an agent with your tool registry, its messages, and the types its callers see.
export { runAgent } from './run-agent';
export * from './messages';
export * from './types';
export type { ApprovalOutcome, ApprovalRules, ApprovalsCarryOver } from './approvals';
export type { TranscriptCarryOver, TranscriptEntry } from './transcript';
