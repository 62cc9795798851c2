import { setHandler } from '@temporalio/workflow';
import { createApprovalDesk } from '../agent/approval-desk';
import { ApprovalBook } from '../agent/approvals';
import { approvalLogQuery, decideApprovalUpdate, pendingApprovalsQuery } from '../agent/messages';
import type { BudgetDesk } from './budget-guard';

/**
 * The approvals of a run that is not an agent, made when its budget may ask a person: the same update, queries,
 * search attribute and notifications as an agent's tool calls, so `geminiflow pending|approve|deny`, the console and
 * the notification listeners treat a reached budget like any call that waits for a person.
 */
export function budgetApprovalDesk(): BudgetDesk {
  const approvals = new ApprovalBook();
  setHandler(decideApprovalUpdate, (decision) => approvals.decide(decision, Date.now()), {
    validator: (decision) => approvals.validate(decision),
  });
  setHandler(pendingApprovalsQuery, () => approvals.list());
  setHandler(approvalLogQuery, () => approvals.log());
  // The budget's own timeout always applies (its pseudo-tool names one); this is only the desk's fallback.
  return createApprovalDesk(approvals, 24 * 60 * 60 * 1000);
}
