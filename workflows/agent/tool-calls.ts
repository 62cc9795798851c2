import { isCancellation } from '@temporalio/workflow';
import { type FunctionCall, type FunctionResult, parseToolArgs, type ToolSpec } from '../../contract';
import { runTool } from '../activities';
import { endWorkflowSpan, startWorkflowSpan } from '../spans';
import type { createApprovalDesk } from './approval-desk';
import type { ApprovalBook } from './approvals';
import { failureMessage } from './failure-message';
import { evaluatePolicy } from './tool-policy';
import type { TranscriptEntry } from './transcript';

export { failureMessage };

export type ToolHandling = Extract<TranscriptEntry, { kind: 'tool' }>['handling'];
export interface AnsweredCall {
  answer: FunctionResult;
  entry: TranscriptEntry;
}

export interface ToolCallDeps {
  offered: Map<string, ToolSpec>;
  approvals: ApprovalBook;
  desk: ReturnType<typeof createApprovalDesk>;
  /** Who started the run and its facts for rules (AgentInput.startedBy, AgentInput.context). */
  run: { startedBy?: string; context: Readonly<Record<string, unknown>> };
  /** Called when a call's tool starts running, so the agent's state shows it. */
  onRunning(): void;
}

/**
 * Answers one function call by its tool's policy: refused, invalid arguments, a person's decision (approved, edited,
 * denied, answered, timed out), then the run itself as an activity. Every outcome becomes a function result the
 * model sees, and a call that needed approval gets the tool's outcome in its audit record.
 */
export function createToolCaller({ offered, approvals, desk, run, onRunning }: ToolCallDeps) {
  return async (call: FunctionCall, interactionId: string, turn: number): Promise<AnsweredCall> => {
    let edited: Record<string, unknown> | undefined;
    // The call from the model's request to its answer: refused, decided by a person (a child span), or run.
    const span = startWorkflowSpan(`execute_tool ${call.name}`, {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': call.name,
      'gen_ai.tool.call.id': call.id,
      'gen_ai.tool.type': 'function',
    });
    const record = (handling: ToolHandling, result: unknown, isError: boolean): AnsweredCall => {
      endWorkflowSpan(span, { 'geminiflow.tool.handling': handling, 'geminiflow.tool.is_error': isError });
      return answered(handling, result, isError);
    };
    const answered = (handling: ToolHandling, result: unknown, isError: boolean): AnsweredCall => ({
      answer: { callId: call.id, name: call.name, result, isError },
      entry: {
        kind: 'tool',
        turn,
        callId: call.id,
        tool: call.name,
        arguments: edited ?? call.arguments,
        ...(edited ? { argumentsProposed: call.arguments } : {}),
        handling,
        result,
        isError,
      },
    });
    const spec = offered.get(call.name);
    if (!spec) {
      return record('refused', `unknown tool ${call.name}; available: ${[...offered.keys()].join(', ')}`, true);
    }
    if (spec.policy === 'refuse') {
      return record('refused', `${call.name} is not allowed${spec.note ? `: ${spec.note}` : ''}`, true);
    }
    const parsed = parseToolArgs(spec, call.arguments);
    if (!parsed.ok) return record('invalid', parsed.error, true);
    const args = parsed.args;

    const facts = { callId: call.id, interactionId, turn, ...run };
    const { policy, rule, approvers } = evaluatePolicy(spec, args, facts);
    // Calls a rule decided are audited like those a person decided; `auditKey` is their id in the approval record.
    let auditKey: string | undefined;
    const request = { callId: call.id, tool: call.name, arguments: args, interactionId };
    if (policy === 'refuse' && rule) {
      approvals.recordRuled(request, rule, 'refused', Date.now());
      return record('refused', `${call.name} is not allowed${rule.reason ? `: ${rule.reason}` : ''}`, true);
    }
    if (policy === 'auto' && rule) auditKey = approvals.recordRuled(request, rule, 'auto', Date.now());

    let handling: ToolHandling = 'auto';
    if (policy === 'approval') {
      const options = {
        ...(rule ? { rule } : {}),
        ...(approvers ? { approvers } : {}),
        startedBy: run.startedBy,
        toolSpan: span,
      };
      const outcome = await desk.decide({ ...request, note: spec.note }, spec, options);
      auditKey = outcome.key ?? call.id;
      switch (outcome.kind) {
        case 'timed_out':
          if (outcome.onTimeout === 'deny') {
            const waited = describeDuration(outcome.timeoutMs);
            return record('timed_out', `refused: nobody approved ${call.name} within ${waited}; it was not run`, true);
          }
          handling = 'approved_on_timeout';
          break;
        case 'denied': {
          const { reviewer, reason } = outcome.decision;
          const why = reason ? `: ${reason}` : '';
          return record('denied', `denied by ${reviewer ?? 'the approver'}${why}; it was not run`, true);
        }
        case 'answered':
          return record('answered', outcome.result, false);
        case 'edited':
          edited = outcome.arguments;
          handling = 'edited';
          break;
        case 'approved':
          handling = 'approved';
      }
    }

    onRunning();
    try {
      const outcome = await runTool({ tool: call.name, arguments: edited ?? args, callId: call.id, interactionId });
      if (auditKey) approvals.recordOutcome(auditKey, { isError: outcome.isError, result: outcome.result });
      // The model proposed other arguments: it is told what ran instead, beside what the tool returned.
      const result = edited
        ? {
            note: 'A person edited the arguments before the tool ran.',
            proposedArguments: args,
            usedArguments: edited,
            result: outcome.result,
          }
        : outcome.result;
      return record(handling, result, outcome.isError);
    } catch (err) {
      if (isCancellation(err)) throw err;
      const error = failureMessage(err);
      if (auditKey) approvals.recordOutcome(auditKey, { isError: true, error });
      return record('failed', `the tool failed: ${error}`, true);
    }
  };
}

function describeDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}
