import { setHandler } from '@temporalio/workflow';
import type { ApprovalBook } from './approvals';
import { decideApprovalUpdate, recordDecisionSignal } from './messages';

/**
 * Takes decisions for the run's approval book: the `decideApproval` update (refused by its validator when it does not
 * fit, or reaches the run after its sender's `acceptBy`) and its durable form, the `recordDecision` signal, applied
 * once by the same rules. After each change the desk publishes the calls again (`published`).
 */
export function takeDecisions(approvals: ApprovalBook, desk: { published(): void }): void {
  setHandler(
    decideApprovalUpdate,
    (decision) => {
      const decided = approvals.decide(decision, Date.now());
      desk.published();
      return decided;
    },
    { validator: (decision) => approvals.validate(decision, { now: Date.now(), update: true }) },
  );
  setHandler(recordDecisionSignal, (decision) => {
    if (approvals.applyRecord(decision, Date.now())) desk.published();
  });
}
