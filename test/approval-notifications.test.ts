import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { type ApprovalPayload, approvalWebhookId, geminiflowConfigFromEnv } from '../activities';
import { GeminiflowClient } from '../client';
import { SetupError } from '../common/errors';
import { projectRoot } from '../common/paths';
import { agentWorkflow } from '../example/agent';
import { publish } from '../example/tools';
import { freePort } from '../testing/dev-server';
import { GeminiflowPlugin } from '../worker';
import { type AgentInput, type ApprovalEvent, type PendingApproval, pendingApprovalsQuery } from '../workflows';
import { approvalRulesAgent, strictTimeoutAgent } from './fixtures/approval-agents';
import { call, model } from './helpers/emulated-model';
import { eventually } from './helpers/eventually';
import { type GeminiStack, startGeminiStack } from './helpers/gemini-stack';
import { type NotificationListener, startNotificationListener } from './helpers/notification-listener';
import { spawnWorkerProcess } from './helpers/processes';
import { uniqueTaskQueue } from './helpers/temporal';

type Agent = typeof agentWorkflow;
const consoleUrl = 'https://console.example.com/ops';

async function pendingOf(handle: WorkflowHandle, count = 1): Promise<PendingApproval[]> {
  return eventually(async () => {
    const pending = await handle.query(pendingApprovalsQuery);
    return pending.length >= count ? pending : undefined;
  }, `${count} pending approval(s)`);
}

/** The JSON examples of docs/workflows.md that follow `<!-- payload example: <event> -->`. */
function documentedPayload(event: ApprovalEvent): unknown {
  const docs = fs.readFileSync(path.join(projectRoot, 'docs', 'workflows.md'), 'utf8');
  const found = new RegExp(
    `<!-- payload example: ${event.replace('.', '\\.')} -->\\s*\`\`\`json\\n([\\s\\S]*?)\`\`\``,
  ).exec(docs);
  assert.ok(found, `docs/workflows.md has an example of ${event}`);
  return JSON.parse(found[1]!);
}

/** Same keys at every level and the same kind of value: what a listener written against the docs relies on. */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return 'array';
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, shapeOf(v)]),
    );
  }
  return typeof value;
}

describe('approval notifications (signed Standard Webhooks and Slack messages)', () => {
  let stack: GeminiStack;
  let geminiflow: GeminiflowClient;
  let listener: NotificationListener;
  const taskQueue = uniqueTaskQueue('notify');

  before(async () => {
    listener = await startNotificationListener({ failFirst: true });
    stack = await startGeminiStack({ emulator: { durations: { interactionMs: 200 } } });
    geminiflow = new GeminiflowClient(stack.client, { taskQueue });
    await stack.startWorker({
      ...stack.workerOptions,
      taskQueue,
      notify: { urls: [listener.url], secret: listener.secret, slackUrls: [listener.slackUrl], consoleUrl },
    });
  });
  after(async () => {
    await stack.stop();
    await listener.stop();
  });

  const start = (workflow: Agent, input: AgentInput, queue = taskQueue) =>
    stack.client.workflow.start(workflow, {
      taskQueue: queue,
      workflowId: `notify-${randomUUID()}`,
      args: [{ model, conversation: false, ...input }],
    });

  it('sends every event once per call, retried copies under the same webhook-id, each signed; Slack gets one line', async () => {
    const draft = { title: 'Draft headline', body: 'The brief.' };
    const fixed = { title: 'Fixed headline', body: 'The brief.' };
    const decided = await start(approvalRulesAgent, {
      tools: ['publish', 'count_words'],
      approvalTimeout: '1 minute',
      message: `Two. ${call('publish', draft)} ${call('count_words', { text: 'left alone' })}`,
    });
    const strict = await start(strictTimeoutAgent, {
      tools: ['count_words'],
      message: `One. ${call('count_words', { text: 'left alone' })}`,
    });
    const [publishCall, countCall] = await pendingOf(decided, 2);
    const [strictCall] = await pendingOf(strict);
    // The listener refuses every first copy, so the requested notification has been retried by the time it is seen.
    await eventually(
      async () => (listener.about(decided.workflowId, publishCall!.callId).length >= 2 ? true : undefined),
      'requested',
    );
    await geminiflow.decideApproval(decided.workflowId, {
      callId: publishCall!.callId,
      kind: 'edit',
      arguments: fixed,
      reason: 'headline fixed',
      reviewer: 'ana@example.com',
    });
    await Promise.all([decided.result(), strict.result()]);

    const expected: [WorkflowHandle, PendingApproval, ApprovalEvent[]][] = [
      [decided, publishCall!, ['approval.requested', 'approval.decided']],
      [decided, countCall!, ['approval.requested', 'approval.reminder', 'approval.timed_out']],
      [strict, strictCall!, ['approval.requested', 'approval.reminder', 'approval.timed_out']],
    ];
    const ids = new Set<string>();
    for (const [handle, pending, events] of expected) {
      const got = listener.about(handle.workflowId, pending.callId);
      assert.deepEqual([...new Set(got.map((d) => d.payload.type))], events, 'each event, in order');
      for (const event of events) {
        const copies = got.filter((d) => d.payload.type === event);
        assert.deepEqual(
          copies.map((d) => d.status),
          [503, 204],
          `${event}: refused once, then taken`,
        );
        assert.equal(copies[0]!.webhookId, copies[1]!.webhookId, 'a retry keeps the webhook-id');
        assert.equal(copies[0]!.webhookId, approvalWebhookId(handle.workflowId, pending.callId, event));
        ids.add(copies[0]!.webhookId);
      }
      // The run's record says how each went: delivered, on the second attempt.
      const [record] = (await geminiflow.approvalLog(handle.workflowId)).filter((r) => r.callId === pending.callId);
      assert.deepEqual(
        record!.notifications,
        events.map((event) => ({ event, ok: true, attempts: 2 })),
      );
    }
    assert.equal(ids.size, 8, 'one webhook-id per call and event');
    assert.deepEqual(listener.refused, [], 'every delivery verified');
    const history = JSON.stringify(await decided.fetchHistory());
    assert.ok(
      !history.includes(listener.secret.slice('whsec_'.length)) && !history.includes(listener.url),
      'no secret or URL in history',
    );

    // What a listener gets, against the documented examples.
    const { runId } = await decided.describe();
    const link = `${consoleUrl}/approvals/${encodeURIComponent(decided.workflowId)}/${encodeURIComponent(publishCall!.callId)}`;
    const about = listener.about(decided.workflowId, publishCall!.callId);
    const requested = about.find((d) => d.payload.type === 'approval.requested')!.payload;
    const common = {
      workflowId: decided.workflowId,
      runId,
      workflowType: 'approvalRulesAgent',
      callId: publishCall!.callId,
      tool: 'publish',
      arguments: draft,
      note: publish.note,
      requestedAt: publishCall!.requestedAt,
      deadline: publishCall!.deadline,
      onTimeout: 'deny',
      link,
    };
    assert.deepEqual(requested, { type: 'approval.requested', timestamp: publishCall!.requestedAt, data: common });
    const decidedPayload = about.find((d) => d.payload.type === 'approval.decided')!.payload;
    assert.deepEqual(decidedPayload.data, {
      ...common,
      decision: { status: 'edited', reviewer: 'ana@example.com', reason: 'headline fixed', argumentsUsed: fixed },
    });
    const [record] = await geminiflow.approvalLog(decided.workflowId);
    assert.equal(decidedPayload.timestamp, record!.decidedAt);
    assert.deepEqual(shapeOf(documentedPayload('approval.requested')), shapeOf(requested));
    assert.deepEqual(shapeOf(documentedPayload('approval.decided')), shapeOf(decidedPayload));
    const timedOut = listener
      .about(strict.workflowId, strictCall!.callId)
      .find((d) => d.payload.type === 'approval.timed_out')!;
    assert.deepEqual((timedOut.payload as ApprovalPayload).data.decision, { status: 'timed_out' });

    // Slack got each event once (a retry goes only to the listeners that failed), as one line with the link.
    const slackAbout = (id: string) => listener.slack.filter((t) => t.includes(id));
    assert.equal(slackAbout(decided.workflowId).length, 5);
    assert.equal(slackAbout(strict.workflowId).length, 3);
    assert.ok(
      slackAbout(decided.workflowId).includes(
        `Approval needed: \`publish\` in ${decided.workflowId} (until ${publishCall!.deadline}, then it is refused). <${link}|Open the approval page>`,
      ),
    );
    assert.ok(
      slackAbout(decided.workflowId).some((t) =>
        t.startsWith(`\`publish\` in ${decided.workflowId} was edited by ana@example.com.`),
      ),
    );
  });

  it('with the listener down, the call opens at once, is decided, the run completes, and the failure is in the log and the metric', async () => {
    const downPort = await freePort();
    const metricsAddress = `127.0.0.1:${await freePort()}`;
    const queue = uniqueTaskQueue('notify-down');
    const worker = spawnWorkerProcess(
      {
        ...stack.workerEnv,
        TEMPORAL_TASK_QUEUE: queue,
        GEMINIFLOW_NOTIFY_URLS: `http://127.0.0.1:${downPort}/hooks`,
        GEMINIFLOW_NOTIFY_SECRET: `whsec_${randomBytes(24).toString('base64')}`,
        GEMINIFLOW_WORKER_METRICS_ADDRESS: metricsAddress,
      },
      undefined,
      undefined,
      { captureOutput: true },
    );
    try {
      const doc = { title: 'Nobody listens', body: 'Published anyway.' };
      const handle = await start(agentWorkflow, { tools: ['publish'], message: `Go. ${call('publish', doc)}` }, queue);
      const [pending] = await pendingOf(handle);
      assert.deepEqual(
        (await geminiflow.approvalLog(handle.workflowId))[0]!.notifications,
        [],
        'the notification is still being tried',
      );
      await geminiflow.decideApproval(handle.workflowId, { callId: pending!.callId, kind: 'approve', reviewer: 'ana' });
      const result = await handle.result();
      assert.match(result.reply, /publish=\{"published":true/);

      // The decision was taken while the first notification was still being retried.
      const events = (await handle.fetchHistory()).events ?? [];
      const index = (match: (e: (typeof events)[number]) => unknown) => events.findIndex(match);
      const firstNotice = events.find(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'notifyApproval',
      )!;
      const noticeFailed = index(
        (e) => String(e.activityTaskFailedEventAttributes?.scheduledEventId) === String(firstNotice.eventId),
      );
      const accepted = index((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
      assert.ok(
        index((e) => e === firstNotice) < accepted && accepted < noticeFailed,
        'requested, decided, then the notice gave up',
      );

      const [record] = await geminiflow.approvalLog(handle.workflowId);
      const failure = { ok: false, attempts: 4, error: 'webhook #1: unreachable (ECONNREFUSED)' };
      assert.deepEqual(record!.notifications, [
        { event: 'approval.requested', ...failure },
        { event: 'approval.decided', ...failure },
      ]);
      assert.equal(record!.status, 'approved');

      const metrics = (await (await fetch(`http://${metricsAddress}/metrics`)).text())
        .split('\n')
        .filter((l) => l.startsWith('geminiflow_approval_notification_attempts{'));
      const failed = (event: string) =>
        metrics
          .filter(
            (l) => l.includes(`event="${event}"`) && l.includes('outcome="failed"') && l.includes('target="webhook"'),
          )
          .map((l) => Number(l.split(' ').at(-1)));
      assert.deepEqual([failed('approval.requested'), failed('approval.decided')], [[4], [4]], metrics.join('\n'));
      assert.ok(!metrics.some((l) => l.includes('outcome="delivered"')), 'nothing was delivered');

      // The worker's log: one line per failed attempt, saying which attempt, what comes next and what failed; no
      // multi-line error block, no stack trace.
      const lines = worker.output().split('\n').filter(Boolean);
      for (const event of ['approval.requested', 'approval.decided']) {
        const about = lines.filter((l) =>
          l.includes(`approval notification ${event} for call ${pending!.callId} not delivered`),
        );
        const said = about.map((l) => (JSON.parse(l) as { msg: string }).msg);
        assert.equal(said.length, 4, about.join('\n'));
        assert.match(said[0]!, /\(attempt 1 of 4, the next in about 1 s\): webhook #1: unreachable \(ECONNREFUSED\)$/);
        assert.match(said[1]!, /\(attempt 2 of 4, the next in about 2 s\)/);
        assert.match(said[3]!, /\(attempt 4 of 4, the last: the run's approval log records it\)/);
      }
      const notJson = lines.filter((l) => {
        try {
          return typeof JSON.parse(l) !== 'object';
        } catch {
          return true;
        }
      });
      assert.deepEqual(notJson, [], 'every line of the worker is one JSON entry');
      assert.ok(!lines.some((l) => l.includes('Activity failed')), 'no block from the SDK for an expected failure');
    } finally {
      await worker.kill();
    }
  });
});

describe('approval notification settings', () => {
  const secret = `whsec_${randomBytes(24).toString('base64')}`;

  it('reads them once from the environment, with the link base', () => {
    const { notify } = geminiflowConfigFromEnv({
      GEMINIFLOW_NOTIFY_URLS: 'https://hooks.example.com/a, https://hooks.example.com/b',
      GEMINIFLOW_NOTIFY_SECRET: secret,
      GEMINIFLOW_NOTIFY_SLACK_URLS: 'https://hooks.slack.com/services/T/B/x',
      GEMINIFLOW_CONSOLE_URL: 'https://console.example.com/ops/',
    });
    assert.deepEqual(notify, {
      urls: ['https://hooks.example.com/a', 'https://hooks.example.com/b'],
      secret,
      slackUrls: ['https://hooks.slack.com/services/T/B/x'],
      consoleUrl: 'https://console.example.com/ops',
    });
    assert.equal(geminiflowConfigFromEnv({}).notify, undefined, 'nothing configured: nothing is sent');
  });

  it('refuses listeners without a secret, a secret that is not whsec_, and bad URLs, naming the setting and never the value', () => {
    const refuses = (env: Record<string, string>, message: RegExp) =>
      assert.throws(
        () => geminiflowConfigFromEnv(env),
        (err: Error) => err instanceof SetupError && message.test(err.message) && !err.message.includes('s3cr3t'),
      );
    refuses(
      { GEMINIFLOW_NOTIFY_URLS: 'https://hooks.example.com/a' },
      /GEMINIFLOW_NOTIFY_URLS is set but GEMINIFLOW_NOTIFY_SECRET/,
    );
    refuses(
      { GEMINIFLOW_NOTIFY_URLS: 'https://hooks.example.com/a', GEMINIFLOW_NOTIFY_SECRET: 'whsec_s3cr3t!' },
      /GEMINIFLOW_NOTIFY_SECRET is not a valid whsec_ base64 secret/,
    );
    refuses(
      { GEMINIFLOW_NOTIFY_SLACK_URLS: 'ftp://s3cr3t.example.com' },
      /GEMINIFLOW_NOTIFY_SLACK_URLS.*must be an http\(s\) URL/,
    );
    assert.throws(
      () =>
        new GeminiflowPlugin({
          config: geminiflowConfigFromEnv({}),
          notify: { urls: ['https://hooks.example.com/a'] },
        }),
      /notify\.urls is set but notify\.secret/,
    );
  });
});
