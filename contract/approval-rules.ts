/**
 * Approval rules as code, and who may decide: a tool's policy may be a function of the call's arguments and the run's
 * context; approver groups, a quorum of distinct approvers and the four-eyes rule say who must decide. Workflow-safe
 * and pure, so the run (which enforces them) and a client (which checks a decision before recording it without a
 * worker) apply the very same rules.
 */

/** What happens when the model calls a tool: run it, ask a person first, or refuse it with a reason. */
export type ToolPolicy = 'auto' | 'approval' | 'refuse';

/** Who may decide a tool's calls, and how many must approve before one runs. */
export interface ApproverRule {
  /** Only reviewers in one of these groups may decide (approve, edit, deny or answer). */
  groups?: readonly string[];
  /** Distinct reviewers who must approve before the call runs (default 1). One denial or answer ends the call. */
  quorum?: number;
  /**
   * The person who started the run (the agent's `startedBy`) may approve its calls, but never alone: someone else must
   * approve too. A run that does not say who started it needs two distinct approvers instead.
   */
  starterCannotApproveAlone?: boolean;
}

/** A rule's answer about one call; `rule` names it in the audit record (default `<tool>.policy`). */
export type RuleVerdict =
  | { policy: 'auto'; rule?: string; reason?: string }
  | { policy: 'approval'; rule?: string; reason?: string; approvers?: ApproverRule }
  | { policy: 'refuse'; rule?: string; reason: string };

/** What a rule knows about the call besides its arguments. */
export interface ToolCallContext {
  workflowId: string;
  workflowType: string;
  tool: string;
  callId: string;
  interactionId: string;
  turn: number;
  /** Who started the run, as its input says (`AgentInput.startedBy`). */
  startedBy?: string;
  /** The run's own facts for rules (`AgentInput.context`), e.g. `{ customerTier: 'gold' }`. */
  context: Readonly<Record<string, unknown>>;
  /** The workflow's clock: deterministic, so the rule decides the same on replay. */
  now: Date;
}

/**
 * A tool's policy as code: deterministic (it runs inside the workflow, and again on replay), no I/O. Written with a
 * method signature so a rule over a tool's own argument type still fits a registry of tools of any type.
 */
export type PolicyRule<Args = Record<string, unknown>> = {
  rule(args: Args, call: ToolCallContext): ToolPolicy | RuleVerdict;
}['rule'];

/** How a rule decided a call, as the audit record keeps it. */
export interface RuleDecision {
  /** The verdict's `rule`, else `<tool>.policy`. */
  name: string;
  policy: ToolPolicy;
  reason?: string;
}

/** One person's approval of a call (an edit approves the edited arguments). */
export interface ApprovalVote {
  reviewer: string;
  kind: 'approve' | 'edit';
  at: string;
  reason?: string;
  /** An edit after this approval changed the arguments it approved, so it no longer counts. */
  superseded?: boolean;
}

const validName = (g: unknown) => typeof g === 'string' && g.trim() !== '';

/** What is wrong with an approver rule; empty when it is fine. */
export function approverRuleProblems(rule: ApproverRule | undefined): string[] {
  if (rule === undefined) return [];
  const problems: string[] = [];
  if (typeof rule !== 'object' || rule === null) return ['approvers must be an object'];
  if (
    rule.groups !== undefined &&
    !(Array.isArray(rule.groups) && rule.groups.length && rule.groups.every(validName))
  ) {
    problems.push('approvers.groups must be a non-empty list of group names');
  }
  if (rule.quorum !== undefined && !(Number.isInteger(rule.quorum) && rule.quorum >= 1 && rule.quorum <= 10)) {
    problems.push('approvers.quorum must be a whole number from 1 to 10');
  }
  if (rule.starterCannotApproveAlone !== undefined && typeof rule.starterCannotApproveAlone !== 'boolean') {
    problems.push('approvers.starterCannotApproveAlone must be true or false');
  }
  return problems;
}

/** Whether a rule asks anything of the reviewer (then a decision must name who decides). */
export function namesReviewers(rule: ApproverRule | undefined): boolean {
  return !!rule && (rule.groups !== undefined || (rule.quorum ?? 1) > 1 || rule.starterCannotApproveAlone === true);
}

/** Why this reviewer may not decide the call at all; undefined when they may. */
export function ineligibility(
  tool: string,
  rule: ApproverRule | undefined,
  reviewer: string | undefined,
  groups: readonly string[] | undefined,
): string | undefined {
  if (!namesReviewers(rule)) return undefined;
  if (!reviewer?.trim()) return `${tool} needs to know who decides: the decision names no reviewer`;
  if (rule?.groups && !rule.groups.some((g) => groups?.includes(g))) {
    const theirs = groups?.length ? `${reviewer} is in ${groups.join(', ')}` : `${reviewer} is in no group`;
    return `${tool} is decided by ${rule.groups.join(' or ')}; ${theirs}`;
  }
  return undefined;
}

/** The approvals that count: the latest arguments', one per reviewer. */
export function countedVotes(votes: readonly ApprovalVote[]): ApprovalVote[] {
  const seen = new Set<string>();
  return votes.filter((v) => !v.superseded && !seen.has(v.reviewer) && seen.add(v.reviewer));
}

/** Who still has to approve, in words ("1 more approval, from finance, by someone other than ana"); undefined when none. */
export function stillNeeded(
  rule: ApproverRule | undefined,
  votes: readonly ApprovalVote[],
  startedBy: string | undefined,
): string | undefined {
  const counted = countedVotes(votes);
  const reviewers = counted.map((v) => v.reviewer);
  let more = Math.max((rule?.quorum ?? 1) - counted.length, 0);
  if (rule?.starterCannotApproveAlone) {
    const othersApproved = startedBy !== undefined ? reviewers.some((r) => r !== startedBy) : reviewers.length >= 2;
    if (!othersApproved) more = Math.max(more, startedBy !== undefined ? 1 : 2 - reviewers.length);
  }
  if (more === 0) return undefined;
  const excluded = [...new Set([...reviewers, ...(rule?.starterCannotApproveAlone && startedBy ? [startedBy] : [])])];
  const from = rule?.groups ? `, from ${rule.groups.join(' or ')}` : '';
  const by = excluded.length ? `, by someone other than ${excluded.join(', ')}` : '';
  const soFar = counted.length ? ` (${counted.length} so far: ${reviewers.join(', ')})` : '';
  return `${more} more approval${more === 1 ? '' : 's'}${from}${by}${soFar}`;
}

/** Why this approval cannot count (the same reviewer twice); undefined when it can. */
export function repeatedApproval(votes: readonly ApprovalVote[], reviewer: string | undefined): string | undefined {
  if (reviewer === undefined) return undefined;
  const earlier = countedVotes(votes).find((v) => v.reviewer === reviewer);
  return earlier ? `${reviewer} already approved this call at ${earlier.at}: it needs another person` : undefined;
}
