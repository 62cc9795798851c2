import { workflowInfo } from '@temporalio/workflow';
import {
  type ApproverRule,
  approverRuleProblems,
  type RuleDecision,
  type RuleVerdict,
  type ToolPolicy,
  type ToolSpec,
} from '../../contract';
import { failureMessage } from './failure-message';

/** What the tool's policy says about one call: run, ask (whom), or refuse; and, for a rule, which rule and why. */
export interface PolicyOutcome {
  policy: ToolPolicy;
  /** Set when the policy is a rule (a function): recorded in the call's audit record. */
  rule?: RuleDecision;
  approvers?: ApproverRule;
}

export interface CallFacts {
  callId: string;
  interactionId: string;
  turn: number;
  startedBy?: string;
  context: Readonly<Record<string, unknown>>;
}

const policies: readonly string[] = ['auto', 'approval', 'refuse'];

/**
 * Evaluates the tool's policy for one call. A rule runs in the workflow, so it must be deterministic; a rule that
 * throws or answers nonsense refuses the call (fail closed), saying why.
 */
export function evaluatePolicy(spec: ToolSpec, args: Record<string, unknown>, call: CallFacts): PolicyOutcome {
  if (typeof spec.policy !== 'function') return { policy: spec.policy, approvers: spec.approvers };
  const name = `${spec.name}.policy`;
  const refuse = (reason: string): PolicyOutcome => ({ policy: 'refuse', rule: { name, policy: 'refuse', reason } });
  let answer: ToolPolicy | RuleVerdict;
  try {
    answer = spec.policy(args, {
      workflowId: workflowInfo().workflowId,
      workflowType: workflowInfo().workflowType,
      tool: spec.name,
      callId: call.callId,
      interactionId: call.interactionId,
      turn: call.turn,
      ...(call.startedBy !== undefined ? { startedBy: call.startedBy } : {}),
      context: call.context,
      now: new Date(),
    });
  } catch (err) {
    return refuse(`the rule failed: ${failureMessage(err)}`);
  }
  const verdict: Partial<RuleVerdict> | undefined = typeof answer === 'string' ? { policy: answer } : answer;
  if (!verdict || typeof verdict !== 'object' || !policies.includes(verdict.policy as string)) {
    return refuse(`the rule answered ${JSON.stringify(answer)}, not auto, approval or refuse`);
  }
  const policy = verdict.policy as ToolPolicy;
  const rule: RuleDecision = {
    name: typeof verdict.rule === 'string' && verdict.rule ? verdict.rule : name,
    policy,
    ...(typeof verdict.reason === 'string' ? { reason: verdict.reason } : {}),
  };
  if (policy !== 'approval') return { policy, rule };
  const approvers = ('approvers' in verdict ? verdict.approvers : undefined) ?? spec.approvers;
  const problems = approverRuleProblems(approvers);
  if (problems.length) return refuse(`the rule named invalid approvers: ${problems.join('; ')}`);
  return { policy, rule, ...(approvers ? { approvers } : {}) };
}
