/**
 * Approvals of tool calls, as every part sees them: the decisions a person can send, what a pending call shows, the
 * audit record of each call, and the notifications about it. Workflow-safe: plain data only.
 */
import type { ApprovalVote, ApproverRule, RuleDecision } from './approval-rules';

/**
 * How a person can decide a call: run it as proposed, run it with edited arguments, refuse it (the model is told why),
 * or answer in place of the tool (the model gets the answer as the tool's result; the tool does not run).
 */
export const decisionKinds = ['approve', 'edit', 'deny', 'answer'] as const;
export type DecisionKind = (typeof decisionKinds)[number];

/** What a tool allows when its spec names nothing: approve or deny, never edit or answer. */
export const defaultDecisionKinds: readonly DecisionKind[] = ['approve', 'deny'];

/** What a call that nobody decides in time becomes; either way its record says `timed_out`. */
export type ApprovalTimeoutOutcome = 'deny' | 'approve';

/** What every decision carries. */
export interface ApprovalDecisionBase {
  callId: string;
  /** Why; told to the model when the call is denied, and kept in the audit record. */
  reason?: string;
  /** Who decided, as the caller authenticated them (never free text from the approval page). */
  reviewer?: string;
  /** The reviewer's groups, as the caller established them (console configuration or proxy header, CLI identity). */
  reviewerGroups?: readonly string[];
  /**
   * Names this decision: sent twice (as an update, then as its durable record), it applies once. Clients set it; the
   * run checks and records it.
   */
  decisionId?: string;
  /**
   * Sent as an update: the run refuses it once its clock passes this moment, so an update its sender stopped waiting
   * for (and reported as not taken) never applies later.
   */
  acceptBy?: string;
}

/** A person's decision about a pending call, sent with the `decideApproval` update. */
export type ApprovalDecision =
  | (ApprovalDecisionBase & { kind: 'approve' })
  /** Runs the tool with these arguments instead; they must fit the tool's schema. */
  | (ApprovalDecisionBase & { kind: 'edit'; arguments: Record<string, unknown> })
  | (ApprovalDecisionBase & { kind: 'deny'; reason: string })
  /** The tool does not run; `result` is what the model gets as its result. */
  | (ApprovalDecisionBase & { kind: 'answer'; result: unknown })
  /** The first form, still accepted: `approve: true` is `approve`, `false` is `deny` (a reason is optional here). */
  | (ApprovalDecisionBase & { kind?: undefined; approve: boolean });

/** What `decideApproval` resolves with once the decision is recorded. */
export interface DecidedApproval {
  callId: string;
  kind: DecisionKind;
  /** True when the tool will run (approve, edit); kept for callers of the first form. */
  approved: boolean;
  /** The arguments the tool will run with (approve, edit). */
  argumentsUsed?: Record<string, unknown>;
  reviewer?: string;
  reason?: string;
  decidedAt: string;
  decisionId?: string;
  /** The call still waits: the approvals it still needs, in words (quorum, groups, the four-eyes rule). */
  waitingFor?: string;
  /** The approvals counted so far, with this one. */
  approvals?: ApprovalVote[];
}

/** A call waiting for a decision, as the `pendingApprovals` query shows it. */
export interface PendingApproval {
  callId: string;
  tool: string;
  /** The arguments the model proposed, after the tool's schema parsed them. */
  arguments: Record<string, unknown>;
  /** What the approver should know about the tool. */
  note?: string;
  interactionId: string;
  requestedAt: string;
  /** Without a decision by then the call times out, and `onTimeout` says what that means. */
  deadline: string;
  /** The kinds of decision this tool allows. */
  decisions: DecisionKind[];
  /** The tool's input JSON Schema, so a page can build an edit form. */
  argumentsSchema: Record<string, unknown>;
  onTimeout: ApprovalTimeoutOutcome;
  /** When the reminder notification goes out, if the tool asks for one. */
  remindAt?: string;
  /** Who may decide it, and how many must approve (absent: anyone who can reach the run, once). */
  approvers?: ApproverRule;
  /** Approvals so far, while a quorum is not met. */
  approvals?: ApprovalVote[];
  /** Who still has to approve, in words, while approvals are counted. */
  stillNeeded?: string;
  /** An edit that still needs more approvals: the arguments the call will run with. */
  editedArguments?: Record<string, unknown>;
  /** Who started the run (for the four-eyes rule). */
  startedBy?: string;
  /** The rule that sent the call to a person, and why. */
  rule?: RuleDecision;
}

/** A decision recorded while the run's worker was down: it applies when the worker returns (or is refused then). */
export interface RecordedDecision {
  decisionId: string;
  callId: string;
  kind: DecisionKind;
  reviewer?: string;
  reason?: string;
  /** When Temporal recorded it. */
  recordedAt: string;
}

/**
 * How the call was read: `worker`, live from the run; `published`, from what the run published (its memo) because its
 * worker did not answer. Then `recorded` lists decisions that wait for the worker.
 */
export type PendingApprovalSource = 'worker' | 'published';

/** A pending call and the run it belongs to, as `GeminiflowClient.listPendingApprovals` returns it. */
export type PendingApprovalOfRun = PendingApproval & {
  workflowId: string;
  runId: string;
  workflowType: string;
  source?: PendingApprovalSource;
  /** Decided, waiting for the worker: decisions recorded for this call that the run has not applied yet. */
  recorded?: RecordedDecision[];
};

/** `auto` and `refused`: a rule (a policy function) let the call run without a person, or refused it. */
export type ApprovalStatus =
  | 'pending'
  | 'approved'
  | 'edited'
  | 'denied'
  | 'answered'
  | 'timed_out'
  | 'auto'
  | 'refused';

/** A decision the run refused when it applied it (recorded while its worker was down, and stale by then). */
export interface RefusedDecision {
  decisionId: string;
  kind: DecisionKind;
  reviewer?: string;
  reason: string;
  at: string;
}

/** The events a run sends about a call that needs a person. */
export const approvalEvents = [
  'approval.requested',
  'approval.reminder',
  'approval.decided',
  'approval.timed_out',
] as const;
export type ApprovalEvent = (typeof approvalEvents)[number];

/** How one notification went: delivered to every configured listener, or given up after bounded retries. */
export interface ApprovalNotificationResult {
  event: ApprovalEvent;
  ok: boolean;
  attempts?: number;
  error?: string;
}

/** What the tool did after the decision, when it ran. */
export interface ApprovalToolOutcome {
  isError: boolean;
  result?: unknown;
  error?: string;
}

/** The audit record of one call that needed approval, as the `approvalLog` query returns it. */
export interface ApprovalRecord {
  callId: string;
  tool: string;
  interactionId: string;
  requestedAt: string;
  /** Calls that waited for a person: when their wait ended without a decision. */
  deadline?: string;
  status: ApprovalStatus;
  decidedAt?: string;
  reviewer?: string;
  reason?: string;
  argumentsProposed: Record<string, unknown>;
  /** What the tool ran with (approve, edit, and a timeout that approves). */
  argumentsUsed?: Record<string, unknown>;
  /** What a person answered in place of the tool. */
  answer?: unknown;
  outcome?: ApprovalToolOutcome;
  notifications: ApprovalNotificationResult[];
  /** The rule (a policy function) that decided whether a person is asked, and why. */
  rule?: RuleDecision;
  /** Every approval, in order (with a quorum, more than one). */
  approvals?: ApprovalVote[];
  /** Decisions recorded while the worker was down that the run refused when it applied them, and why. */
  refusedDecisions?: RefusedDecision[];
  /** The decision that closed the call. */
  decisionId?: string;
}

/**
 * What the workflow hands to the notification activity for one event; the activity adds the run (workflow id, run
 * id, type) from its own context, the link from configuration, and the signature.
 */
export interface ApprovalNotice {
  event: ApprovalEvent;
  /** When it happened, by the workflow's clock. */
  at: string;
  callId: string;
  tool: string;
  arguments: Record<string, unknown>;
  note?: string;
  requestedAt: string;
  deadline: string;
  onTimeout: ApprovalTimeoutOutcome;
  /** For `approval.decided` and `approval.timed_out`: how the call ended. */
  decision?: {
    status: Exclude<ApprovalStatus, 'pending'>;
    reviewer?: string;
    reason?: string;
    argumentsUsed?: Record<string, unknown>;
  };
}

/** What the notification activity reports: how many listeners are configured (0: notifications are off). */
export interface ApprovalNoticeDelivery {
  targets: number;
  attempts: number;
}
