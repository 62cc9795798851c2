import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ApprovalDecision, ApprovalRecord, DecidedApproval, PendingApproval } from '../../contract';
import type { AgentReply, AgentState } from './types';

/** A follow-up message; resolves with the model's answer to it (use startUpdate to not wait for that). */
export const sendMessageUpdate = defineUpdate<AgentReply, [string]>('sendMessage');
/**
 * Decides a pending call: approve, edit (run with other arguments), deny (with a reason), or answer in place of the
 * tool, as far as the tool allows. Unknown, stale, repeated and ill-formed decisions are refused by the validator,
 * so they never reach history.
 */
export const decideApprovalUpdate = defineUpdate<DecidedApproval, [ApprovalDecision]>('decideApproval');
/**
 * The durable form of a decision, for when no worker takes `decideApproval` in time: Temporal keeps a signal in the
 * run's history even while no worker runs, and the run applies it once (by its `decisionId`) when a worker returns,
 * by the same rules as the update; one that went stale meanwhile is refused into the call's audit record.
 */
export const recordDecisionSignal = defineSignal<[ApprovalDecision]>('recordDecision');
/** Ends the conversation once the messages already accepted are answered. */
export const endConversationUpdate = defineUpdate<void, []>('endConversation');
export const agentStateQuery = defineQuery<AgentState>('agentState');
export const pendingApprovalsQuery = defineQuery<PendingApproval[]>('pendingApprovals');
/** The audit record of every call that needed approval (the latest ones, bounded), decided or not. */
export const approvalLogQuery = defineQuery<ApprovalRecord[]>('approvalLog');
