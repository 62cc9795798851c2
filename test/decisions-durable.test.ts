import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { ApprovalRefusedError, GeminiflowClient } from '../client';
import { consoleConfigFromEnv } from '../console/config';
import { type RunningConsole, startConsole } from '../console/server';
import { type DevServer, startDevServer } from '../testing/dev-server';
import { pendingApprovalsQuery, recordDecisionSignal } from '../workflows';
import { refundAgent } from './fixtures/refund-agent';
import type { Refund } from './fixtures/refund-tools';
import { pendingOf, startRefundStack } from './helpers/approvals';
import { call, model } from './helpers/emulated-model';
import { eventually } from './helpers/eventually';
import type { GeminiStack } from './helpers/gemini-stack';
import { geminiflow as cli } from './helpers/operator-stack';
import { testLogger } from './helpers/receiver';
import { startTcpProxy } from './helpers/tcp-proxy';
import { testTmpDir } from './helpers/temporal';

const updateStage = { admitted: 1 } as const; // UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED

describe('a decision while the run’s worker is down: recorded durably, or refused; never a silent wait', () => {
  const dbFilename = path.join(testTmpDir(), 'durable-decisions.db');
  let server: DevServer;
  let stack: GeminiStack;
  let geminiflow: GeminiflowClient;
  let web: RunningConsole;
  let worker: Worker | undefined;
  let refunds: Refund[];
  let taskQueue: string;
  let startWorker: () => Promise<void>;
  const stopWorker = async () => {
    const stopping = worker!;
    stopping.shutdown();
    await eventually(async () => (stopping.getState() === 'STOPPED' ? true : undefined), 'the worker to stop');
  };
  const startRefund = async (amount: number) => {
    const handle = await stack.client.workflow.start(refundAgent, {
      taskQueue,
      workflowId: `durable-${randomUUID()}`,
      args: [
        {
          model,
          conversation: false,
          tools: ['issue_refund'],
          startedBy: 'sam',
          message: `Refund. ${call('issue_refund', { orderId: `O-${amount}`, amount })}`,
        },
      ],
    });
    const [pending] = await pendingOf(handle);
    return { handle, callId: pending!.callId };
  };
  const refundsOf = (workflowId: string) => refunds.filter((r) => r.idempotencyKey.startsWith(`${workflowId}/`));
  const eventsOf = async (handle: WorkflowHandle) => (await handle.fetchHistory()).events ?? [];
  const finance = { reviewerGroups: ['finance'] };

  before(async () => {
    server = await startDevServer({ dbFilename });
    const started = await startRefundStack({ address: server.address });
    ({ stack, refunds, taskQueue, worker } = started);
    startWorker = async () => {
      worker = await started.startWorker();
    };
    geminiflow = new GeminiflowClient(stack.client, { taskQueue });
    web = await startConsole({
      config: consoleConfigFromEnv({
        GEMINIFLOW_CONSOLE_PORT: '0',
        GEMINIFLOW_CONSOLE_TRUSTED_USER_HEADER: 'x-test-user',
        GEMINIFLOW_CONSOLE_GROUPS: 'finance=fin,ana,erin',
      }),
      geminiflow,
      namespace: server.namespace,
      logger: testLogger,
    });
  });
  after(async () => {
    await web?.stop();
    await geminiflow?.settled();
    await stack?.stop();
    await server?.stop();
  });

  /** A console page as a signed-in reviewer sees it (behind the trusted proxy), with its cookie for a form post. */
  const page = async (reviewer: string, pathname: string) => {
    const res = await fetch(`${web.url}${pathname}`, { headers: { 'x-test-user': reviewer } });
    return {
      html: await res.text(),
      cookie: res.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; '),
    };
  };
  const callPage = (workflowId: string, callId: string) =>
    `/approvals/${encodeURIComponent(workflowId)}/${encodeURIComponent(callId)}`;

  it('is recorded within 2 s, shows as decided and waiting, survives a restart of Temporal, and runs once', {
    timeout: 600_000,
  }, async (t) => {
    const viaClient = await startRefund(120);
    const viaCli = await startRefund(130);
    const viaConsole = await startRefund(140);
    await stopWorker();

    // The client: told within 2 seconds that the decision is recorded and waits for the worker.
    const sent = Date.now();
    const receipt = await geminiflow.decideApproval(viaClient.handle.workflowId, {
      callId: viaClient.callId,
      kind: 'approve',
      reviewer: 'fin',
      ...finance,
    });
    const answeredIn = Date.now() - sent;
    assert.equal(receipt.state, 'recorded', JSON.stringify(receipt));
    assert.ok(answeredIn < 2000, `answered in ${answeredIn} ms`);
    t.diagnostic(`answered in ${answeredIn} ms`);
    assert.match((receipt as { why: string }).why, /no worker of the run took it within 1200 ms/);
    // Sent again with its decisionId (a retry): the same record, not a second one.
    const retried = await geminiflow.decideApproval(viaClient.handle.workflowId, {
      callId: viaClient.callId,
      kind: 'approve',
      reviewer: 'fin',
      decisionId: receipt.decisionId,
      ...finance,
    });
    assert.deepEqual([retried.state, retried.decisionId], ['recorded', receipt.decisionId]);

    // The CLI: exit 3, recorded; a second decision for the same call is refused at once (exit 1), saying why.
    const env = {
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: server.namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
    };
    const byCli = await cli(
      ['approve', viaCli.handle.workflowId, viaCli.callId, '--reviewer', 'ana', '--groups', 'finance'],
      env,
    );
    assert.equal(byCli.code, 3, byCli.stderr);
    assert.match(
      byCli.stdout,
      /: recorded, waiting for the run's worker \(no worker of the run took it .*\); approve by ana applies when it returns \(decision d-/,
    );
    const again = await cli(
      ['approve', viaCli.handle.workflowId, viaCli.callId, '--reviewer', 'erin', '--groups', 'finance'],
      env,
    );
    assert.equal(again.code, 1);
    assert.match(
      again.stderr,
      /^geminiflow: call .* already has a decision waiting for the run's worker \(approve by ana, recorded at /,
    );
    const wrongGroup = await cli(
      ['approve', viaCli.handle.workflowId, viaCli.callId, '--reviewer', 'cy', '--groups', 'support'],
      env,
    );
    assert.equal(wrongGroup.code, 1);
    assert.match(wrongGroup.stderr, /issue_refund is decided by finance; cy is in support/);

    // The console: the form posts, and the page says the decision is recorded and waits for the worker.
    const form = await page('erin', callPage(viaConsole.handle.workflowId, viaConsole.callId));
    assert.match(form.html, /id="worker-down"/);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.html)![1]!;
    const posted = await fetch(`${web.url}${callPage(viaConsole.handle.workflowId, viaConsole.callId)}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'x-test-user': 'erin', cookie: form.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, kind: 'approve', reason: 'checked the order' }),
    });
    assert.equal(posted.status, 303);
    // The session (and the message for the next page in it) travels in the cookie the answer sets.
    const sealed =
      posted.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ') || form.cookie;
    const after = await fetch(`${web.url}${posted.headers.get('location')}`, {
      headers: { 'x-test-user': 'erin', cookie: sealed },
    }).then((r) => r.text());
    assert.match(after, /Recorded, waiting for the run&#39;s worker/);
    assert.match(after, /data-status="recorded">decided, waiting for the worker</);

    // `pending` (client and CLI) and the console's list show each as decided, waiting for the worker.
    const pending = await geminiflow.listPendingApprovals({ queryTimeoutMs: 1000 });
    const listed = pending.find((p) => p.workflowId === viaClient.handle.workflowId)!;
    assert.equal(listed.source, 'published');
    assert.deepEqual(
      listed.recorded?.map((r) => [r.decisionId, r.kind, r.reviewer]),
      [[receipt.decisionId, 'approve', 'fin']],
    );
    const table = await cli(['pending'], { ...env, GEMINIFLOW_DEBUG: '1' });
    assert.equal(table.code, 0, table.stderr);
    assert.match(
      table.stdout,
      new RegExp(`${viaClient.callId} +issue_refund +decided, waiting for the worker \\(approve by fin\\)`),
    );
    assert.match((await page('fin', '/approvals')).html, /decided, waiting for the worker<\/span> approve by ana/);

    // Temporal restarts on its database file; the records are in the runs' histories.
    await server.kill();
    server = await startDevServer({ dbFilename, port: Number(server.address.split(':')[1]) });
    for (const { handle } of [viaClient, viaCli, viaConsole]) {
      const signals = (await eventsOf(handle)).filter(
        (e) => e.workflowExecutionSignaledEventAttributes?.signalName === recordDecisionSignal.name,
      );
      assert.equal(signals.length, 1, `one record in ${handle.workflowId}`);
    }

    // The worker returns: each decision applies once, and each refund runs once.
    await startWorker();
    await Promise.all([viaClient, viaCli, viaConsole].map(({ handle }) => handle.result()));
    for (const [run, amount, reviewer] of [
      [viaClient, 120, 'fin'],
      [viaCli, 130, 'ana'],
      [viaConsole, 140, 'erin'],
    ] as const) {
      assert.deepEqual(
        refundsOf(run.handle.workflowId).map((r) => r.amount),
        [amount],
      );
      const [record] = await geminiflow.approvalLog(run.handle.workflowId);
      assert.deepEqual([record!.status, record!.reviewer], ['approved', reviewer]);
      const scheduled = (await eventsOf(run.handle)).filter(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runTool',
      );
      assert.equal(scheduled.length, 1);
    }
    const [record] = await geminiflow.approvalLog(viaClient.handle.workflowId);
    assert.equal(record!.decisionId, receipt.decisionId);
  });

  it('a decision that cannot be recorded is refused within 2 s, and the update it sent never applies later', {
    timeout: 600_000,
  }, async (t) => {
    const run = await startRefund(150);
    const workflowId = run.handle.workflowId;
    await stopWorker();

    // A client whose network to Temporal fails right after its update reached the server.
    const proxy = await startTcpProxy(server.address);
    const connection = await Connection.connect({ address: proxy.address });
    const cutOff = new GeminiflowClient(new Client({ connection, namespace: server.namespace }), { taskQueue });
    const decisionId = `d-${randomUUID()}`;
    const admitted = () =>
      stack.client.workflowService.pollWorkflowExecutionUpdate({
        namespace: server.namespace,
        updateRef: { workflowExecution: { workflowId }, updateId: decisionId },
        waitPolicy: { lifecycleStage: updateStage.admitted },
      });
    try {
      const sent = Date.now();
      const decided = cutOff.decideApproval(workflowId, {
        callId: run.callId,
        kind: 'approve',
        reviewer: 'fin',
        decisionId,
        ...finance,
      });
      decided.catch(() => {}); // awaited below
      await eventually(
        () =>
          admitted().then(
            () => true,
            () => undefined,
          ),
        'the update to reach the server',
        10_000,
      );
      await proxy.cut();
      await assert.rejects(decided, (err: Error) => {
        assert.ok(err instanceof ApprovalRefusedError, `${err.name}: ${err.message}`);
        // Cut before or after the record's reads came back: either way it was not recorded.
        assert.match(err.message, /^not recorded: Temporal did not (take the record|answer)/);
        return true;
      });
      const answeredIn = Date.now() - sent;
      assert.ok(answeredIn < 2000, `answered in ${answeredIn} ms`);
      t.diagnostic(`answered in ${answeredIn} ms`);
    } finally {
      await cutOff.settled();
      await connection.close();
    }
    // The update is still queued on the server: a returning worker gets it, and the run refuses it as late.
    assert.equal((await admitted()).stage, updateStage.admitted);
    await startWorker();
    await eventually(
      () =>
        admitted().then(
          () => undefined,
          () => true,
        ),
      'the worker to refuse the late update',
    );
    const [still] = await run.handle.query(pendingApprovalsQuery);
    assert.deepEqual([still?.callId, still?.approvals], [run.callId, undefined], 'the call still waits, undecided');
    const events = await eventsOf(run.handle);
    assert.equal(events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length, 0);
    const records = events.filter(
      (e) => e.workflowExecutionSignaledEventAttributes?.signalName === recordDecisionSignal.name,
    );
    assert.equal(records.length, 0, 'no record of the refused decision');
    assert.deepEqual(refundsOf(workflowId), []);

    // The person decides again, with a worker running: it applies, and the refund runs once.
    const receipt = await geminiflow.decideApproval(
      workflowId,
      { callId: run.callId, kind: 'approve', reviewer: 'ana', ...finance },
      { workerWaitMs: 60_000 },
    );
    assert.equal(receipt.state, 'applied');
    await run.handle.result();
    assert.deepEqual(
      refundsOf(workflowId).map((r) => r.amount),
      [150],
    );
  });
});
