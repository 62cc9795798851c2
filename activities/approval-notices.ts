import { createHash } from 'node:crypto';
import { ApplicationFailure, Context, type Info } from '@temporalio/activity';
import { ApplicationFailureCategory } from '@temporalio/common';
import { Webhook } from 'standardwebhooks';
import { logger } from '../common/logger';
import { type ApprovalNotice, type ApprovalNoticeDelivery, GeminiflowFailure } from '../contract';
import { type ApprovalRun, approvalPayload, slackText } from './approval-payload';
import type { ApprovalNotifyConfig } from './notify-config';

/** One listener, named by kind and position: its URL may carry a token, so it never appears in errors or history. */
interface Target {
  name: string;
  kind: 'webhook' | 'slack';
  url: string;
}

/** One POST may take this long; Temporal's retry policy (`notify`) bounds the attempts and spaces them out. */
const requestTimeoutMs = 5_000;
export const notificationFailureType = 'ApprovalNotificationFailed';

/** Stable per run, call and event, so a listener can drop the copies a retry sends. */
export function approvalWebhookId(workflowId: string, callId: string, event: string): string {
  return `msg_${createHash('sha256').update(`${workflowId}\n${callId}\n${event}`).digest('hex').slice(0, 32)}`;
}

/**
 * Tells people that a call waits for them (and reminds them, and says how it ended): a Standard Webhook signed with
 * the configured secret to every listener, and a one-line message to every Slack-compatible URL. A listener that
 * fails makes the attempt fail (Temporal retries it, reaching only the listeners not yet served); the workflow never
 * waits on this before it waits for the decision.
 */
export function createApprovalNoticeActivities(notify: ApprovalNotifyConfig | undefined) {
  const targets: Target[] = [
    ...(notify?.urls ?? []).map((url, i) => ({ name: `webhook #${i + 1}`, kind: 'webhook' as const, url })),
    ...(notify?.slackUrls ?? []).map((url, i) => ({ name: `slack #${i + 1}`, kind: 'slack' as const, url })),
  ];
  const signer = notify?.secret ? new Webhook(notify.secret) : undefined;

  return {
    async notifyApproval(notice: ApprovalNotice): Promise<ApprovalNoticeDelivery> {
      const ctx = Context.current();
      if (targets.length === 0) return { targets: 0, attempts: ctx.info.attempt };
      const { workflowExecution: execution, workflowType } = ctx.info;
      if (!execution || !workflowType) {
        throw ApplicationFailure.nonRetryable(
          'notifyApproval runs only as a workflow activity',
          GeminiflowFailure.noWorkflow,
        );
      }
      const run: ApprovalRun = { workflowId: execution.workflowId, runId: execution.runId, workflowType };
      const payload = approvalPayload(notice, run, notify?.consoleUrl);
      const body = JSON.stringify(payload);
      const webhookId = approvalWebhookId(run.workflowId, notice.callId, notice.event);
      const served = new Set((ctx.info.heartbeatDetails as { served?: string[] } | undefined)?.served);
      const attempts = ctx.metricMeter.createCounter(
        'geminiflow_approval_notification_attempts',
        'attempts',
        'POSTs of approval notifications, by event, kind of listener and outcome',
      );

      const failures: string[] = [];
      await Promise.all(
        targets
          .filter((t) => !served.has(t.name))
          .map(async (target) => {
            const sent = target.kind === 'slack' ? JSON.stringify({ text: slackText(payload) }) : body;
            const outcome = await post(target, sent, { webhookId, signer, signal: ctx.cancellationSignal });
            attempts.add(1, { event: notice.event, target: target.kind, outcome: outcome ? 'failed' : 'delivered' });
            if (outcome) failures.push(`${target.name}: ${outcome}`);
            else served.add(target.name);
          }),
      );
      // Saved for the next attempt, which then reaches only the listeners that failed.
      ctx.heartbeat({ served: [...served] });
      if (failures.length) {
        const what = failures.sort().join('; ');
        const { attempt } = ctx.info;
        noticeLog.warn(
          { workflowId: run.workflowId, callId: notice.callId, event: notice.event, attempt },
          `approval notification ${notice.event} for call ${notice.callId} not delivered (${nextStep(ctx.info)}): ${what}`,
        );
        // Benign: the line above says it all, so the SDK logs the failure at DEBUG instead of a block at WARN.
        throw ApplicationFailure.create({
          message: what,
          type: notificationFailureType,
          details: [{ attempt }],
          category: ApplicationFailureCategory.BENIGN,
        });
      }
      return { targets: targets.length, attempts: ctx.info.attempt };
    },
  };
}

const noticeLog = logger.child({ component: 'approval-notices' });

/** `attempt 2 of 4, the next in about 2 s` from the activity's retry policy, as far as the server told it. */
function nextStep(info: Info): string {
  const policy = info.retryPolicy;
  const max = policy?.maximumAttempts || undefined;
  const of = max ? `attempt ${info.attempt} of ${max}` : `attempt ${info.attempt}`;
  if (max !== undefined && info.attempt >= max) return `${of}, the last: the run's approval log records it`;
  const initial = Number(policy?.initialInterval);
  if (!(initial > 0)) return `${of}, Temporal tries again`;
  const delay = Math.min(
    initial * (policy?.backoffCoefficient ?? 2) ** (info.attempt - 1),
    Number(policy?.maximumInterval) || Number.POSITIVE_INFINITY,
  );
  return `${of}, the next in about ${Math.round(delay / 1000)} s`;
}

/** POSTs once; resolves with what went wrong (without the URL), or undefined when the listener took it. */
async function post(
  target: Target,
  body: string,
  opts: { webhookId: string; signer?: Webhook; signal: AbortSignal },
): Promise<string | undefined> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'geminiflow' };
  if (target.kind === 'webhook') {
    const now = new Date();
    headers['webhook-id'] = opts.webhookId;
    headers['webhook-timestamp'] = String(Math.floor(now.getTime() / 1000));
    headers['webhook-signature'] = opts.signer!.sign(opts.webhookId, now, body);
  }
  try {
    const res = await fetch(target.url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.any([opts.signal, AbortSignal.timeout(requestTimeoutMs)]),
    });
    await res.arrayBuffer().catch(() => undefined);
    return res.ok ? undefined : `HTTP ${res.status}`;
  } catch (err) {
    return describeFetchError(err);
  }
}

function describeFetchError(err: unknown): string {
  const e = err as { name?: string; cause?: { code?: string } };
  if (e.name === 'TimeoutError') return `no answer within ${requestTimeoutMs / 1000} s`;
  if (e.name === 'AbortError') return 'cancelled';
  return e.cause?.code ? `unreachable (${e.cause.code})` : 'unreachable';
}
