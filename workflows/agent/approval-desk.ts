import type { Span } from '@opentelemetry/api';
import { condition, isCancellation, log, patched, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import {
  type ApprovalEvent,
  type ApprovalNotice,
  type ApprovalRecord,
  approvalsMemoKey,
  GeminiPendingApprovals,
  type PendingApproval,
  type ToolSpec,
} from '../../contract';
import { notifyApproval } from '../activities';
import { durationMs } from '../duration';
import { endWorkflowSpan, startWorkflowSpan } from '../spans';
import type { ApprovalBook, ApprovalOutcome, ApprovalRules, OpenOptions } from './approvals';
import { failureMessage } from './failure-message';

/**
 * Calls opened from here on get their tool's own rules (timeout, what a timeout means, a reminder), show in the
 * GeminiPendingApprovals search attribute, and are notified about. Calls of runs recorded before keep the agent-wide
 * timeout and schedule nothing new, so those histories replay.
 */
export const approvalRulesPatch = 'approval-rules-and-notifications';

/**
 * Calls opened from here on are published in the run's memo (so a decision can be checked and durably recorded while
 * the worker is down), get an id of their own if the model reuses one, and may take decisions recorded by signal.
 * Calls of runs recorded before publish nothing, so those histories replay.
 */
export const durableDecisionsPatch = 'durable-decisions';

export interface ApprovalRequest {
  callId: string;
  tool: string;
  arguments: Record<string, unknown>;
  note?: string;
  interactionId: string;
}

/** Who decided, how, and how long the person took (from the request to the decision), on the approval's span. */
function endApprovalSpan(span: Span, record: ApprovalRecord): void {
  const decidedMs = record.decidedAt ? Date.parse(record.decidedAt) : undefined;
  if (decidedMs !== undefined) {
    span.addEvent('approval.decided', { 'geminiflow.approval.reviewer': record.reviewer ?? '' }, decidedMs);
  }
  endWorkflowSpan(span, {
    'geminiflow.approval.status': record.status,
    'geminiflow.approval.reviewer': record.reviewer,
    'geminiflow.approval.decision_ms': decidedMs !== undefined ? decidedMs - Date.parse(record.requestedAt) : undefined,
  });
}

/** A call's rules: the tool's own where it has them, else the agent's timeout, refused when it passes. */
export function rulesFor(spec: ToolSpec, agentTimeoutMs: number): ApprovalRules {
  const timeoutMs = spec.approvalTimeout !== undefined ? durationMs(spec.approvalTimeout) : agentTimeoutMs;
  const remindMs = spec.remindAfter !== undefined ? Math.round(timeoutMs * spec.remindAfter) : undefined;
  return { timeoutMs, onTimeout: spec.onTimeout ?? 'deny', ...(remindMs ? { remindMs } : {}) };
}

/**
 * Where a call waits for a person: it opens in the approval book, shows in visibility, tells the listeners (without
 * waiting for them), reminds them once if the tool asks, and closes with the decision or the timeout.
 */
export function createApprovalDesk(approvals: ApprovalBook, agentTimeoutMs: number) {
  let notifying = 0;

  const notify = (event: ApprovalEvent, view: PendingApproval, record: ApprovalRecord) => {
    const notice: ApprovalNotice = {
      event,
      at: new Date().toISOString(),
      callId: view.callId,
      tool: view.tool,
      arguments: view.arguments,
      ...(view.note !== undefined ? { note: view.note } : {}),
      requestedAt: view.requestedAt,
      deadline: view.deadline,
      onTimeout: view.onTimeout,
      ...(record.status !== 'pending'
        ? {
            decision: {
              status: record.status,
              ...(record.reviewer !== undefined ? { reviewer: record.reviewer } : {}),
              ...(record.reason !== undefined ? { reason: record.reason } : {}),
              ...(record.argumentsUsed !== undefined ? { argumentsUsed: record.argumentsUsed } : {}),
            },
          }
        : {}),
    };
    notifying++;
    // Not awaited: a listener that is down or slow must not hold the call or the run up.
    void notifyApproval(notice)
      .then(
        ({ targets, attempts }) => {
          if (targets > 0) approvals.recordNotification(view.callId, { event, ok: true, attempts });
        },
        (err: unknown) => {
          if (isCancellation(err)) return;
          const attempts = (err as { cause?: { details?: { attempt?: number }[] } }).cause?.details?.[0]?.attempt;
          const error = failureMessage(err);
          approvals.recordNotification(view.callId, { event, ok: false, ...(attempts ? { attempts } : {}), error });
          log.warn('an approval notification failed', { callId: view.callId, event, error });
        },
      )
      .finally(() => notifying--);
  };

  const showPending = () => {
    const tools = approvals.pendingTools();
    upsertSearchAttributes([{ key: GeminiPendingApprovals, value: tools.length ? tools : null }]);
  };
  // Set once a call opened under the durable-decisions patch: from then on every change is published.
  let publishing = false;
  const publish = () => {
    if (publishing) upsertMemo({ [approvalsMemoKey]: approvals.published() });
  };

  return {
    /**
     * Waits for a person's decision about one call, or for its timeout (in a span, the tool call's child). `options`
     * add what a rule decided (the rule, the approvers) and who started the run, for calls opened from now on.
     */
    async decide(
      request: ApprovalRequest,
      spec: ToolSpec,
      options: OpenOptions & { toolSpan?: Span } = {},
    ): Promise<ApprovalOutcome> {
      const { toolSpan, ...opening } = options;
      const span = startWorkflowSpan(
        `approval ${request.tool}`,
        { 'gen_ai.tool.name': request.tool, 'gen_ai.tool.call.id': request.callId },
        toolSpan,
      );
      if (!patched(approvalRulesPatch)) {
        const call = approvals.open(request, spec, { timeoutMs: agentTimeoutMs, onTimeout: 'deny' }, Date.now());
        await condition(call.decided, agentTimeoutMs);
        const outcome = call.close();
        endApprovalSpan(span, call.record);
        return outcome;
      }
      const rules = rulesFor(spec, agentTimeoutMs);
      const durable = patched(durableDecisionsPatch);
      publishing ||= durable;
      const call = approvals.open(request, spec, rules, Date.now(), durable ? { ...opening, uniqueKey: true } : {});
      span.setAttribute('geminiflow.approval.timeout_ms', rules.timeoutMs);
      showPending();
      publish();
      notify('approval.requested', call.view, call.record);
      if (rules.remindMs === undefined) {
        await condition(call.decided, rules.timeoutMs);
      } else if (!(await condition(call.decided, rules.remindMs))) {
        notify('approval.reminder', call.view, call.record);
        await condition(call.decided, rules.timeoutMs - rules.remindMs);
      }
      const outcome = call.close();
      endApprovalSpan(span, call.record);
      showPending();
      publish();
      notify(outcome.kind === 'timed_out' ? 'approval.timed_out' : 'approval.decided', call.view, call.record);
      return outcome;
    },

    /** Publishes the approvals again after a decision changed them (a counted approval, a refused record). */
    published: publish,

    /** Resolves once every notification has been delivered or given up on (bounded by the `notify` policy). */
    settled: () => condition(() => notifying === 0),
  };
}
