import { setHandler } from '@temporalio/workflow';
import { createApprovalDesk } from '../agent/approval-desk';
import { ApprovalBook } from '../agent/approvals';
import { takeDecisions } from '../agent/decision-handlers';
import { approvalLogQuery, pendingApprovalsQuery } from '../agent/messages';
import type { BudgetDesk } from './budget-guard';

/**
 * The approvals of a run that is not an agent, made when its budget may ask a person: the same update, queries,
 * search attribute and notifications as an agent's tool calls, so `geminiflow pending|approve|deny`, the console and
 * the notification listeners treat a reached budget like any call that waits for a person.
 */
export function budgetApprovalDesk(): BudgetDesk {
  const approvals = new ApprovalBook();
  // The budget's own timeout always applies (its pseudo-tool names one); this is only the desk's fallback.
  const desk = createApprovalDesk(approvals, 24 * 60 * 60 * 1000);
  takeDecisions(approvals, desk);
  setHandler(pendingApprovalsQuery, () => approvals.list());
  setHandler(approvalLogQuery, () => approvals.log());
  return desk;
}
