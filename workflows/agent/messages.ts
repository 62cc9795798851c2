import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ApprovalDecision, PendingApproval } from './approvals';
import type { AgentReply, AgentState } from './types';

/** A follow-up message; resolves with the model's answer to it (use startUpdate to not wait for that). */
export const sendMessageUpdate = defineUpdate<AgentReply, [string]>('sendMessage');
/** Approve or deny a pending call; unknown, stale and repeated decisions are rejected. */
export const decideApprovalUpdate = defineUpdate<{ callId: string; approved: boolean }, [ApprovalDecision]>(
  'decideApproval',
);
/** Ends the conversation once the messages already accepted are answered. */
export const endConversationUpdate = defineUpdate<void, []>('endConversation');
export const agentStateQuery = defineQuery<AgentState>('agentState');
export const pendingApprovalsQuery = defineQuery<PendingApproval[]>('pendingApprovals');
