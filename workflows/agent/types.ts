import type { Duration } from '@temporalio/common';
import type { Budget, GeminiUsage, PendingApproval } from '../../contract';
import type { GeminiUsageCarry } from '../usage/carry';
import type { GeminiEventsCarryOver, WaitSettings } from '../wait-for-gemini-event';
import type { ApprovalsCarryOver } from './approvals';
import type { TranscriptCarryOver } from './transcript';

export interface AgentInput {
  /** Default: defaultTextModel (gemini-flash-latest). */
  model?: string;
  systemInstruction?: string;
  /** Names of tools from the agent's registry the model may call. */
  tools: string[];
  /** The opening message; required when `conversation` is false. */
  message?: string;
  /** true (default): take follow-ups until `endConversation` or the idle timeout. false: answer `message`, return. */
  conversation?: boolean;
  /** A call that needs approval and gets no decision within this is refused. Default 1 hour. */
  approvalTimeout?: Duration;
  /** A conversation with no message for this long ends. Default 1 hour. */
  idleTimeout?: Duration;
  /**
   * Who started the run (a user name, as the starter authenticated it): rules see it, and a tool with
   * `approvers.starterCannotApproveAlone` needs someone else's approval too.
   */
  startedBy?: string;
  /** Facts about the run for the tools' rules (policy functions), e.g. `{ customerTier: 'gold' }`. Plain JSON. */
  context?: Record<string, unknown>;
  /** Rounds of function calls the model may make for one message before the turn fails. Default 10. */
  maxStepsPerTurn?: number;
  /** Transcript entries kept (older ones are counted, not kept). Default 100. */
  transcriptLimit?: number;
  /** Continue as new between turns once history has this many events (or Temporal suggests it). Default 10,000. */
  continueAsNewAfterEvents?: number;
  /** The reconciliation backstop of each wait for the model. */
  wait?: WaitSettings;
  /** The pipeline's budget, checked before each model interaction; when reached it asks here, like a tool call. */
  budget?: Budget;
  /** Set by the workflow itself when it continues as new. */
  carried?: AgentCarryOver;
}

/** Everything a continued run needs; taken only between turns, when no call or message is in flight. */
export interface AgentCarryOver {
  runs: number;
  turn: number;
  lastInteractionId?: string;
  lastReply: string;
  lastActivityAt: number;
  transcript: TranscriptCarryOver;
  approvals: ApprovalsCarryOver;
  events: GeminiEventsCarryOver;
  /** Absent in runs continued by earlier versions. */
  usage?: GeminiUsageCarry;
}

export interface AgentReply {
  turn: number;
  reply: string;
  interactionId: string;
}

export interface AgentResult {
  /** The model's last answer. */
  reply: string;
  turns: number;
  endedBy: 'answered' | 'request' | 'idle';
  lastInteractionId?: string;
  transcript: TranscriptCarryOver;
  /** 1 + how often the conversation continued as new. */
  runs: number;
  /** Every interaction's usage, across the runs it continued as new (absent in runs of older versions). */
  geminiUsage?: GeminiUsage;
}

export type AgentPhase = 'thinking' | 'running_tools' | 'waiting_for_approval' | 'idle' | 'ended';

export interface AgentState {
  phase: AgentPhase;
  turn: number;
  currentInteractionId?: string;
  lastInteractionId?: string;
  pendingApprovals: PendingApproval[];
  /** Messages accepted and not yet answered, including the one being worked on. */
  queuedMessages: number;
  transcript: TranscriptCarryOver;
  runs: number;
}
