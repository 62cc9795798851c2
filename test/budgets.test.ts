import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { BrowserContext } from 'playwright-core';
import { GeminiflowClient } from '../client';
import { consoleConfigFromEnv } from '../console/config';
import { type RunningConsole, startConsole } from '../console/server';
import { agentWorkflow } from '../example/agent';
import { answerQuestions } from '../example/answer-questions';
import { type Budget, budgetToolName, type FanOutResult, GeminiflowFailure, itemWorkflowId } from '../workflows';
import { agentOverBudget } from './fixtures/budgets';
import { launchChromium, signedInPage } from './helpers/browser';
import { eventually } from './helpers/eventually';
import { type NotificationListener, startNotificationListener } from './helpers/notification-listener';
import { geminiflow, type OperatorStack, startOperatorStack } from './helpers/operator-stack';
import { testLogger } from './helpers/receiver';

const token = 'budget-console-token-0123456789ab';
const model = 'gemini-2.5-flash';
/** Each answers with "Emulated gemini-2.5-flash reply to: <word>": 1 token in, 5 out, 6 in all (docs/emulator.md). */
const questions = ['alpha', 'beta', 'gamma', 'delta'];
const tokensPerQuestion = 6;

/** A pipeline of four one-job items, one at a time, so the budget is reached at a known item. */
function startQuestions(stack: OperatorStack, workflowId: string, budget: Budget) {
  return stack.client.workflow.start(answerQuestions, {
    taskQueue: stack.taskQueue,
    workflowId,
    args: [{ questions, model, concurrency: 1, budget }],
  });
}

/** The run's failure: its type, message and details (a budget's stop carries the partial result). */
async function failureOf(run: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await run.then(
    () => assert.fail('the run was expected to fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkflowFailedError, String(err));
  let cause: unknown = err.cause;
  while (cause instanceof Error && !(cause instanceof ApplicationFailure)) cause = cause.cause;
  assert.ok(cause instanceof ApplicationFailure, String(err.cause));
  return cause;
}

async function neverStarted(stack: OperatorStack, workflowId: string): Promise<boolean> {
  return stack.client.workflow
    .getHandle(workflowId)
    .describe()
    .then(
      () => false,
      (err: unknown) => err instanceof WorkflowNotFoundError,
    );
}

describe('a per-pipeline budget on the real stack: it stops new jobs, then fails or asks a person', () => {
  let stack: OperatorStack;
  let g: GeminiflowClient;
  let web: RunningConsole;
  let listener: NotificationListener;

  before(async () => {
    listener = await startNotificationListener();
    stack = await startOperatorStack({
      worker: 'example',
      notify: { urls: [listener.url], secret: listener.secret },
    });
    stack.emulator!.control.model.setDurations({ interactionMs: 300 });
    g = new GeminiflowClient(stack.client, { taskQueue: stack.taskQueue });
    web = await startConsole({
      config: consoleConfigFromEnv({ GEMINIFLOW_CONSOLE_PORT: '0', GEMINIFLOW_CONSOLE_TOKENS: `ana=${token}` }),
      geminiflow: g,
      namespace: stack.temporal.namespace,
      logger: testLogger,
    });
  });
  after(async () => {
    await web?.stop();
    await stack?.stop();
    await listener?.stop();
  });

  it('fail: the fan-out starts no item once the tokens reach the limit, and the pipeline fails BudgetExceeded', async () => {
    const id = 'budget/fail';
    const handle = await startQuestions(stack, id, { maxTokens: 10, onExceeded: 'fail' });
    const failure = await failureOf(handle.result());
    assert.equal(failure.type, GeminiflowFailure.budgetExceeded);
    assert.equal(
      failure.message,
      'fan-out answers stopped: the budget: budget reached before item 2: 12 of 10 tokens used',
    );
    const partial = failure.details?.[0] as FanOutResult;
    assert.deepEqual(partial.counts, { total: 4, done: 2, failed: 0, running: 0, left: 2 });
    assert.equal(partial.geminiUsage?.total.totalTokens, 2 * tokensPerQuestion);
    assert.equal(partial.geminiUsage?.budget?.state, 'stopped');
    for (const i of [2, 3]) assert.ok(await neverStarted(stack, itemWorkflowId(`${id}/answers`, i)), `item ${i}`);

    // The pipeline learned the fan-out's usage from its failure; the list and the CLI show it with the budget.
    const listed = (await g.listRuns({ type: 'answerQuestions' })).find((r) => r.workflowId === id)!;
    assert.equal(listed.usage?.total.totalTokens, 12);
    assert.deepEqual(listed.usage?.budget?.limits, { maxTokens: 10 });
    const status = await geminiflow(['status', `${id}/answers`], stack.env);
    assert.match(status.stdout, /^budget +12 of 10 tokens used; stopped \(when reached: fail\)$/m);
  });

  it("fail, in estimated cost by the worker's prices: the first item already costs more than the limit", async () => {
    const id = 'budget/cost';
    const handle = await startQuestions(stack, id, { maxCostUsd: 0.00001 });
    const failure = await failureOf(handle.result());
    assert.equal(failure.type, GeminiflowFailure.budgetExceeded);
    const partial = failure.details?.[0] as FanOutResult;
    assert.deepEqual([partial.counts.done, partial.counts.left], [1, 3]);
    // 1 token in at $0.30 and 5 out at $2.50 per million (the default table's gemini-2.5-flash).
    const budget = partial.geminiUsage!.budget!;
    assert.ok(Math.abs(budget.spent.costUsd! - (1 * 0.3 + 5 * 2.5) / 1e6) < 1e-15, String(budget.spent.costUsd));
    assert.equal(budget.pricesOf, '2026-12-07');
    assert.match(failure.message, /budget reached before item 1: ~\$0\.000013 of \$0\.00001 estimated used$/);
  });

  it('ask, then approve in the console: a person allows more, the rest of the items run', async () => {
    const id = 'budget/approve';
    const fanOutId = `${id}/answers`;
    const handle = await startQuestions(stack, id, { maxTokens: 10, onExceeded: 'ask', approvalTimeout: '1 hour' });
    const call = await eventually(
      async () => (await g.listPendingApprovals({ tool: budgetToolName })).find((p) => p.workflowId === fanOutId),
      'the budget to ask a person',
      60_000,
    );
    assert.equal(call.callId, 'budget-1');
    // Another budget's worth above what is spent: 12 + 10.
    assert.deepEqual(call.arguments, { maxTokens: 22 });
    assert.deepEqual(call.decisions, ['approve', 'edit', 'deny']);
    assert.match(call.note ?? '', /reached its budget before item 2: 12 of 10 tokens used/);
    assert.ok(await neverStarted(stack, itemWorkflowId(fanOutId, 2)), 'nothing starts while it asks');
    assert.equal((await g.usage(fanOutId))?.budget?.state, 'waiting_for_approval');

    const browser: BrowserContext = await launchChromium();
    try {
      const page = await signedInPage(browser, web.url, token);
      const card = page.locator(`article.call[data-call="${call.callId}"]`, { hasText: fanOutId });
      await card.waitFor();
      assert.match(await card.innerText(), new RegExp(budgetToolName));
      await card.locator('a.button').click();
      assert.match(await page.locator('p.note').innerText(), /12 of 10 tokens used/);
      await page.fill('#approve-reason', 'worth it');
      await page.click('#decide-approve button[type=submit]');
      await page.waitForSelector('h1 .badge');
      assert.equal(await page.locator('h1 .badge').innerText(), 'approved');
    } finally {
      await browser.close();
    }

    const result = await handle.result();
    assert.deepEqual(result.counts, { total: 4, done: 4, failed: 0, running: 0, left: 0 });
    assert.equal(result.geminiUsage?.total.totalTokens, 4 * tokensPerQuestion);
    assert.deepEqual(result.geminiUsage?.budget?.limits, { maxTokens: 22 });
    assert.equal(result.geminiUsage?.budget?.raised, 1);
    // The pipeline took the raised limit from its fan-out's result.
    assert.deepEqual((await g.usage(id))?.budget?.limits, { maxTokens: 22 });

    const [record] = await g.approvalLog(fanOutId);
    assert.deepEqual(
      [record?.tool, record?.status, record?.reviewer, record?.reason, record?.argumentsUsed],
      [budgetToolName, 'approved', 'ana', 'worth it', { maxTokens: 22 }],
    );
    // The same notifications as a tool call's.
    const sent = await eventually(async () => {
      const about = listener.about(fanOutId, 'budget-1').map((d) => d.payload.type);
      return about.includes('approval.decided') ? about : undefined;
    }, 'the notifications about the budget');
    assert.deepEqual(sent, ['approval.requested', 'approval.decided']);
    assert.equal(listener.about(fanOutId, 'budget-1')[0]?.payload.data.tool, budgetToolName);
  });

  it('ask, then deny with the CLI: the pipeline stops, BudgetExceeded with the reason', async () => {
    const id = 'budget/deny';
    const fanOutId = `${id}/answers`;
    const handle = await startQuestions(stack, id, { maxTokens: 10, onExceeded: 'ask' });
    await eventually(
      async () => (await g.listPendingApprovals({ tool: budgetToolName })).find((p) => p.workflowId === fanOutId),
      'the budget to ask a person',
      60_000,
    );
    const pending = await geminiflow(['pending', '--tool', budgetToolName], stack.env);
    assert.match(pending.stdout, new RegExp(`${fanOutId} +budget-1 +${budgetToolName}`));
    const denied = await geminiflow(
      ['deny', fanOutId, 'budget-1', '--reason', 'over budget', '--reviewer', 'ben'],
      stack.env,
    );
    assert.equal(denied.code, 0, denied.stderr);

    const failure = await failureOf(handle.result());
    assert.equal(failure.type, GeminiflowFailure.budgetExceeded);
    assert.match(failure.message, /budget reached before item 2: 12 of 10 tokens used; denied by ben: over budget$/);
    assert.deepEqual((failure.details![0] as FanOutResult).counts.left, 2);
    for (const i of [2, 3]) assert.ok(await neverStarted(stack, itemWorkflowId(fanOutId, i)), `item ${i}`);
    const [record] = await g.approvalLog(fanOutId);
    assert.deepEqual([record?.status, record?.reviewer], ['denied', 'ben']);
  });

  it('an agent asks on its own approvals before its next model interaction; approve with the CLI', async () => {
    const id = 'budget/agent';
    await stack.client.workflow.start(agentWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: id,
      args: [agentOverBudget],
    });
    const call = await eventually(
      async () => (await g.pendingApprovals(id).catch(() => [])).find((p) => p.tool === budgetToolName),
      'the agent to ask about its budget',
      60_000,
    );
    const first = (await g.usage(id))!;
    assert.equal(first.own.jobs, 1, 'the interaction that asked for the tool');
    assert.deepEqual(call.arguments, { maxTokens: first.own.totalTokens + 5 });
    assert.equal((await g.agentState(id)).phase, 'waiting_for_approval');

    const approved = await geminiflow(['approve', id, call.callId, '--reviewer', 'cleo'], stack.env);
    assert.equal(approved.code, 0, approved.stderr);
    const result = await g.result<{ reply: string; geminiUsage: { own: { jobs: number } } }>(id);
    assert.match(result.reply, /count_words/);
    assert.equal(result.geminiUsage.own.jobs, 2);
    const log = await g.approvalLog(id);
    assert.deepEqual(
      log.map((r) => [r.tool, r.status, r.reviewer]),
      [[budgetToolName, 'approved', 'cleo']],
    );
  });
});
