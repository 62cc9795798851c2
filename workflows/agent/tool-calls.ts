import { condition, isCancellation } from '@temporalio/workflow';
import { type FunctionCall, type FunctionResult, parseToolArgs, type ToolSpec } from '../../common/contract';
import { runTool } from '../activities';
import type { ApprovalBook } from './approvals';
import type { TranscriptEntry } from './transcript';

export type ToolHandling = Extract<TranscriptEntry, { kind: 'tool' }>['handling'];
export interface AnsweredCall {
  answer: FunctionResult;
  entry: TranscriptEntry;
}

export interface ToolCallDeps {
  offered: Map<string, ToolSpec>;
  approvals: ApprovalBook;
  approvalMs: number;
  /** Called when a call's tool starts running, so the agent's state shows it. */
  onRunning(): void;
}

/**
 * Answers one function call by its tool's policy: refused, invalid arguments, a person's decision (approved, denied,
 * timed out), then the run itself as an activity. Every outcome becomes a function result the model sees.
 */
export function createToolCaller({ offered, approvals, approvalMs, onRunning }: ToolCallDeps) {
  return async (call: FunctionCall, interactionId: string, turn: number): Promise<AnsweredCall> => {
    const record = (handling: ToolHandling, result: unknown, isError: boolean): AnsweredCall => ({
      answer: { callId: call.id, name: call.name, result, isError },
      entry: { kind: 'tool', turn, callId: call.id, tool: call.name, arguments: call.arguments, handling, result, isError },
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

    let handling: ToolHandling = 'auto';
    if (spec.policy === 'approval') {
      const request = approvals.open(
        { callId: call.id, tool: call.name, arguments: parsed.args, note: spec.note, interactionId },
        Date.now(),
        approvalMs,
      );
      await condition(request.decided, approvalMs);
      const outcome = request.close();
      if (outcome.kind === 'timed_out') {
        const waited = describeDuration(approvalMs);
        return record('timed_out', `refused: nobody approved ${call.name} within ${waited}; it was not run`, true);
      }
      if (outcome.kind === 'denied') {
        const { reviewer, reason } = outcome.decision;
        const why = reason ? `: ${reason}` : '';
        return record('denied', `denied by ${reviewer ?? 'the approver'}${why}; it was not run`, true);
      }
      handling = 'approved';
    }

    onRunning();
    try {
      const outcome = await runTool({ tool: call.name, arguments: parsed.args, callId: call.id, interactionId });
      return record(handling, outcome.result, outcome.isError);
    } catch (err) {
      if (isCancellation(err)) throw err;
      return record('failed', `the tool failed: ${failureMessage(err)}`, true);
    }
  };
}

function describeDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}

export function failureMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  // ActivityFailure wraps the activity's own error; its message is the useful one.
  while (e?.cause && typeof e.cause === 'object') e = e.cause as typeof e;
  return e?.message ?? String(err);
}
