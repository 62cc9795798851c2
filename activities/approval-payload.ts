import type { ApprovalNotice } from '../contract';

/** The run a notification is about, from the activity's own context. */
export interface ApprovalRun {
  workflowId: string;
  runId: string;
  workflowType: string;
}

/** The body of every approval notification: the Standard Webhooks envelope `{type, timestamp, data}`. */
export interface ApprovalPayload {
  type: ApprovalNotice['event'];
  timestamp: string;
  data: ApprovalRun &
    Omit<ApprovalNotice, 'event' | 'at'> & {
      /** The approval page, when GEMINIFLOW_CONSOLE_URL is set. */
      link?: string;
    };
}

/** `<consoleUrl>/approvals/<workflowId>/<callId>`: where the console serves the page of one call. */
export function approvalLink(consoleUrl: string, workflowId: string, callId: string): string {
  return `${consoleUrl}/approvals/${encodeURIComponent(workflowId)}/${encodeURIComponent(callId)}`;
}

export function approvalPayload(notice: ApprovalNotice, run: ApprovalRun, consoleUrl?: string): ApprovalPayload {
  const { event, at, ...call } = notice;
  return {
    type: event,
    timestamp: at,
    data: {
      ...run,
      ...call,
      ...(consoleUrl ? { link: approvalLink(consoleUrl, run.workflowId, notice.callId) } : {}),
    },
  };
}

// Slack's mrkdwn treats these three as control characters.
const escapeMrkdwn = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** The one-line message for Slack incoming webhooks (and anything else that takes `{text}`). */
export function slackText({ type, data }: ApprovalPayload): string {
  const what = `\`${escapeMrkdwn(data.tool)}\` in ${escapeMrkdwn(data.workflowId)}`;
  const then = data.onTimeout === 'approve' ? 'it runs' : 'it is refused';
  const link = data.link ? ` <${escapeMrkdwn(data.link)}|Open the approval page>` : '';
  switch (type) {
    case 'approval.requested':
      return `Approval needed: ${what} (until ${data.deadline}, then ${then}).${link}`;
    case 'approval.reminder':
      return `Reminder: ${what} still waits for approval (until ${data.deadline}, then ${then}).${link}`;
    case 'approval.decided': {
      const by = data.decision?.reviewer ? ` by ${escapeMrkdwn(data.decision.reviewer)}` : '';
      return `${what} was ${data.decision?.status ?? 'decided'}${by}.${link}`;
    }
    case 'approval.timed_out':
      return `${what} timed out without a decision; ${data.onTimeout === 'approve' ? 'it ran' : 'it was refused'}.${link}`;
  }
}
