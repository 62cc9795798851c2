import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { StatusEvents } from '../emulator';
import { agentWorkflow } from '../example/agent';
import { toGeminiEvent } from '../routing/envelope';
import {
  deepResearch,
  type GeminiEventType,
  GeminiflowFailure,
  geminiWaitsQuery,
  generateText,
  type StoppedInteraction,
  type WaitSettings,
  waitForGeminiJob,
} from '../workflows';
import { eventually } from './helpers/eventually';
import { type GeminiStack, startGeminiStack } from './helpers/gemini-stack';

const id = (prefix: string) => `${prefix}-${randomUUID()}`;
const model = 'gemini-flash-latest';
/** How long a scripted phase holds an interaction: until the test moves the emulator's clock past it. */
const holdMs = 600_000;
const quickReconcile = { reconcileAfter: '300ms', reconcileMax: '1s' } as const;
/** Status reads stay frequent, but a continuation is not stalled before the test moves on. */
const patientReconcile = { reconcileAfter: '300ms', reconcileMax: '1 hour' } as const;
const noReconcile = { reconcileAfter: '1 hour' } as const;

interface StatusCase {
  name: string;
  /** The directives that script it. */
  script: string;
  /** The status it shows while held, which a wait must read as running (default in_progress). */
  holds?: string;
  ends: GeminiEventType;
  /** Ended by the test instead of the model. */
  cancel?: true;
  /** What ends the wait when the interaction delivers its webhooks (the rest: the webhook). */
  webhookEndsBy?: 'reconciliation';
  reconcile?: WaitSettings;
}

/** Every status of @google/genai 3.6, and one it does not know, as the emulator scripts them. */
const cases: StatusCase[] = [
  { name: 'completed', script: '', ends: 'interaction.completed' },
  { name: 'failed', script: '[[fail the model broke]]', ends: 'interaction.failed' },
  { name: 'requires_action', script: '[[call lookup_order {}]]', ends: 'interaction.requires_action' },
  { name: 'cancelled', script: '', ends: 'interaction.cancelled', cancel: true },
  { name: 'incomplete', script: '[[end incomplete]]', ends: 'interaction.incomplete' },
  { name: 'budget_exceeded', script: '[[end budget_exceeded]]', ends: 'interaction.budget_exceeded' },
  { name: 'queued', script: '', holds: 'queued', ends: 'interaction.completed' },
  { name: 'idle', script: '', holds: 'idle', ends: 'interaction.completed' },
  {
    name: 'requires_continuation, continued by Gemini',
    script: '',
    holds: 'requires_continuation',
    ends: 'interaction.completed',
    reconcile: patientReconcile,
  },
  {
    name: 'requires_continuation, stalled',
    script: '[[end requires_continuation]]',
    ends: 'interaction.requires_continuation',
    webhookEndsBy: 'reconciliation',
  },
  {
    name: 'a status the SDK does not know',
    script: '[[end paused_for_review]]',
    ends: 'interaction.unknown_status',
    webhookEndsBy: 'reconciliation',
  },
];

function failureOf(err: unknown): ApplicationFailure {
  assert.ok(err instanceof WorkflowFailedError, String(err));
  let cause: unknown = err.cause;
  while (!(cause instanceof ApplicationFailure) && cause instanceof Error && cause.cause) cause = cause.cause;
  assert.ok(cause instanceof ApplicationFailure, String(cause));
  return cause;
}

/** What a stopped-short failure carries (its first detail). */
function stoppedOf(failure: ApplicationFailure): StoppedInteraction {
  assert.ok(failure.details?.length, `${failure.type} has details`);
  return failure.details[0] as StoppedInteraction;
}

async function failed(handle: WorkflowHandle): Promise<ApplicationFailure> {
  return failureOf(
    await handle.result().then(
      () => assert.fail('the workflow should have failed'),
      (e: unknown) => e,
    ),
  );
}

describe('interaction statuses of @google/genai 3.6, through the real SDK, receiver and Temporal', () => {
  let stack: GeminiStack;
  before(async () => {
    // Webhook timestamps from the wall clock: the tests move the emulator's clock past the scripted phases.
    stack = await startGeminiStack({
      emulator: { durations: { interactionMs: 300, deepResearchMs: 800 }, webhookTimestampClock: 'real' },
    });
  });
  after(async () => {
    await stack.stop();
  });

  /** Until the run waits, with at least `reads` status reads behind it. */
  const waitingAfter = (handle: WorkflowHandle, reads: number) =>
    eventually(async () => {
      const state = await handle.query(geminiWaitsQuery).catch(() => undefined);
      const view = state?.waiting[0];
      return view && view.reconcileChecks >= reads ? view : undefined;
    }, `${handle.workflowId} to wait with ${reads} status reads`);

  /** Runs one case; returns how the wait ended and what the emulator delivered. */
  async function runCase(c: StatusCase, viaWebhook: boolean, statusEvents: StatusEvents = 'status') {
    const holds = c.holds ?? 'in_progress';
    stack.emulator.control.model.setStatusEvents(statusEvents);
    const created = await stack.ai.interactions.create({
      model,
      input: `status ${c.name} [[while ${holds} ${holdMs}]] ${c.script}`,
      background: true,
      ...(viaWebhook ? { webhook_config: { uris: [stack.receiver.url] } } : {}),
    });
    assert.equal(created.status, holds);
    const reconcile = viaWebhook && !c.webhookEndsBy ? noReconcile : (c.reconcile ?? quickReconcile);
    const handle = await stack.client.workflow.start(waitForGeminiJob, {
      taskQueue: stack.taskQueue,
      workflowId: id(`status-${viaWebhook ? 'webhook' : 'read'}`),
      args: [{ kind: 'interaction', id: created.id }, reconcile],
    });
    // Reading the held status (in_progress, queued, idle, requires_continuation) does not end the wait.
    await waitingAfter(handle, viaWebhook ? 0 : 2);
    assert.equal((await stack.ai.interactions.get(created.id)).status, holds);
    if (c.cancel) await stack.ai.interactions.cancel(created.id);
    else await stack.emulator.control.clock.advance(holdMs);
    const resolved = await handle.result();
    const deliveries = stack.emulator.control.inspect.deliveries({ resourceId: created.id });
    return { resolved, deliveries, interactionId: created.id };
  }

  for (const c of cases) {
    it(`${c.name}: a status read ends the wait with ${c.ends}`, async () => {
      const { resolved, deliveries } = await runCase(c, false);
      assert.equal(resolved.event.type, c.ends);
      assert.equal(resolved.resolvedBy, 'reconciliation');
      assert.equal(deliveries.length, 0, 'no webhook_config, no registered webhook: nothing was delivered');
    });

    it(`${c.name}: with webhooks, the wait ends with ${c.ends} by ${c.webhookEndsBy ?? 'webhook'}`, async () => {
      const { resolved, deliveries } = await runCase(c, true);
      assert.equal(resolved.event.type, c.ends);
      assert.equal(resolved.resolvedBy, c.webhookEndsBy ?? 'webhook');
      assert.ok(deliveries.length > 0, 'the emulator sent a webhook');
      for (const d of deliveries) assert.equal(d.status, 'delivered', `${d.eventType} acknowledged`);
    });
  }

  it('a stopped-short status read carries the status and the usage Gemini reported', async () => {
    const { resolved } = await runCase(cases.find((c) => c.name === 'budget_exceeded')!, false);
    assert.equal(resolved.event.data.status, 'budget_exceeded');
    const usage = resolved.event.data.usage as { totalTokens: number };
    assert.ok(usage.totalTokens > 0, JSON.stringify(usage));
  });

  it('a stalled continuation ends naming its continuation token; an unknown status ends naming it', async () => {
    const stalled = await runCase(cases.find((c) => c.ends === 'interaction.requires_continuation')!, false);
    assert.match(String(stalled.resolved.event.data.continuation_token), /^emulator-continuation-/);
    const unknown = await runCase(cases.find((c) => c.ends === 'interaction.unknown_status')!, false);
    assert.equal(unknown.resolved.event.data.status, 'paused_for_review');
  });

  for (const variant of ['completed', 'failed'] as const) {
    it(`webhook variant: interaction.${variant} with data.status ends the wait as the status says`, async () => {
      for (const c of cases.filter((c) => c.name === 'incomplete' || c.name === 'budget_exceeded')) {
        const { resolved, deliveries } = await runCase(c, true, variant);
        assert.equal(resolved.event.type, c.ends);
        assert.equal(resolved.resolvedBy, 'webhook');
        assert.deepEqual(
          deliveries.map((d) => d.eventType),
          [`interaction.${variant}`],
        );
      }
    });
  }

  it('webhook variant: interaction.completed naming a status the SDK does not know ends the wait by webhook', async () => {
    const c = cases.find((c) => c.ends === 'interaction.unknown_status')!;
    const { resolved } = await runCase({ ...c, webhookEndsBy: undefined }, true, 'completed');
    assert.equal(resolved.resolvedBy, 'webhook');
    assert.equal(resolved.event.type, 'interaction.unknown_status');
    assert.equal(resolved.event.data.status, 'paused_for_review');
  });

  it('Deep Research on deep-research-max-preview-04-2026 returns its report, learned from the webhook', async () => {
    const result = await stack.client.workflow.execute(deepResearch, {
      taskQueue: stack.taskQueue,
      workflowId: id('research-max'),
      args: [{ topic: 'durable execution', agent: 'deep-research-max-preview-04-2026' }],
    });
    assert.equal(result.resolvedBy, 'webhook');
    assert.equal(result.sources.length, 3);
    const interaction = await stack.ai.interactions.get(result.interactionId);
    assert.equal(interaction.agent, 'deep-research-max-preview-04-2026');
  });

  for (const [status, type, statusEvents] of [
    ['budget_exceeded', GeminiflowFailure.jobBudgetExceeded, 'status'],
    ['incomplete', GeminiflowFailure.jobIncomplete, 'none'],
  ] as const) {
    it(`Deep Research that ends ${status} fails ${type} with the partial report and usage (webhooks: ${statusEvents})`, async () => {
      const failure = await failureOfRun(deepResearch, statusEvents, [
        { topic: `everything at once [[end ${status}]]`, wait: quickReconcile },
      ]);
      assert.equal(failure.type, type);
      assert.equal(failure.nonRetryable, true);
      assert.match(failure.message, new RegExp(`Deep Research ended ${status}`));
      const stopped = stoppedOf(failure);
      assert.equal(stopped.status, status);
      assert.equal(stopped.partialText, 'Partial answer.');
      assert.ok((stopped.usage?.totalTokens ?? 0) > 0, JSON.stringify(stopped.usage));
      assert.equal((await stack.ai.interactions.get(stopped.interactionId)).status, status);
    });
  }

  /** Starts a workflow with the emulator sending `statusEvents`, and returns the failure it ends with. */
  async function failureOfRun<A extends unknown[]>(
    workflow: (...args: A) => Promise<unknown>,
    statusEvents: StatusEvents,
    args: A,
  ): Promise<ApplicationFailure> {
    stack.emulator.control.model.setStatusEvents(statusEvents);
    return failed(
      await stack.client.workflow.start(workflow, { taskQueue: stack.taskQueue, workflowId: id(workflow.name), args }),
    );
  }

  it('text generation that ends incomplete fails GeminiIncomplete, keeping the partial text', async () => {
    const failure = await failureOfRun(generateText, 'failed', [
      { prompt: 'a very long essay [[end incomplete]]', wait: noReconcile },
    ]);
    assert.equal(failure.type, GeminiflowFailure.jobIncomplete);
    assert.equal(stoppedOf(failure).partialText, 'Partial answer.');
  });

  it('Deep Research that stalls at requires_continuation fails GeminiRequiresContinuation with the token', async () => {
    const failure = await failureOfRun(deepResearch, 'status', [
      { topic: 'a long decode [[end requires_continuation]]', wait: quickReconcile },
    ]);
    assert.equal(failure.type, GeminiflowFailure.jobStalled);
    assert.match(failure.message, /stalled at requires_continuation/);
    const details = (failure.details ?? [])[0] as { continuationToken?: string };
    assert.match(String(details.continuationToken), /^emulator-continuation-/);
  });

  it('Deep Research that ends in a status the SDK does not know fails GeminiUnknownStatus, naming it', async () => {
    const failure = await failureOfRun(deepResearch, 'completed', [
      { topic: 'something new [[end paused_for_review]]', wait: noReconcile },
    ]);
    assert.equal(failure.type, GeminiflowFailure.jobUnknownStatus);
    assert.match(failure.message, /status "paused_for_review", which this version of geminiflow does not know/);
  });

  it("an agent's turn that runs out of budget fails GeminiBudgetExceeded with what the model wrote", async () => {
    const failure = await failureOfRun(agentWorkflow, 'status', [
      { tools: [], conversation: false, message: 'plan everything [[end budget_exceeded]]', wait: noReconcile },
    ]);
    assert.equal(failure.type, GeminiflowFailure.jobBudgetExceeded);
    assert.equal(stoppedOf(failure).partialText, 'Partial answer.');
  });

  it('an agent whose interaction starts idle waits for it and answers', async () => {
    stack.emulator.control.model.setStatusEvents('status');
    const handle = await stack.client.workflow.start(agentWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: id('agent-idle'),
      args: [{ tools: [], conversation: false, message: `hello [[while idle ${holdMs}]]`, wait: noReconcile }],
    });
    const waiting = await waitingAfter(handle, 0);
    assert.equal((await stack.ai.interactions.get(waiting.resource.id)).status, 'idle');
    await stack.emulator.control.clock.advance(holdMs);
    const result = await handle.result();
    assert.match(result.reply, /^Emulated gemini-flash-latest reply to: hello/);
  });

  it('a foreground interaction at requires_continuation is continued by the SDK itself, as SDK 3.6 documents', async () => {
    const interaction = await stack.ai.interactions.create({
      model,
      input: 'a long answer [[end requires_continuation]]',
    });
    assert.equal(interaction.status, 'completed');
    assert.equal(interaction.continuation_ids?.length, 2);
    assert.match(interaction.output_text ?? '', /Partial answer\.Emulated gemini-flash-latest reply to: a long answer/);
  });
});

describe('the receiver reads plausible webhooks for the statuses Gemini documents no event for', () => {
  const read = (type: string, data: Record<string, unknown>) => {
    const parsed = toGeminiEvent('msg_1', { type, data: { id: 'v1_x', ...data } });
    return parsed.kind === 'event' ? parsed.event.type : parsed.kind;
  };

  it('takes the status names, their spellings, and completed/failed events that say the status', () => {
    assert.equal(read('interaction.incomplete', {}), 'interaction.incomplete');
    assert.equal(read('interaction.budget_exceeded', {}), 'interaction.budget_exceeded');
    assert.equal(read('INTERACTION.BUDGET-EXCEEDED', {}), 'interaction.budget_exceeded');
    assert.equal(read('interaction.token_budget_exceeded', {}), 'interaction.budget_exceeded');
    assert.equal(read('interaction.completed', { status: 'incomplete' }), 'interaction.incomplete');
    assert.equal(read('interaction.completed', { status: 'completed' }), 'interaction.completed');
    assert.equal(read('interaction.failed', { error_code: 'BUDGET_EXCEEDED' }), 'interaction.budget_exceeded');
    assert.equal(read('interaction.failed', { error_code: 'INTERNAL' }), 'interaction.failed');
    assert.equal(read('interaction.status_update', { status: 'budget_exceeded' }), 'interaction.budget_exceeded');
    assert.equal(read('interaction.completed', { status: 'paused_for_review' }), 'interaction.unknown_status');
  });

  it('signals nothing for an interaction still running, nor for names only a status read makes', () => {
    assert.equal(read('interaction.completed', { status: 'requires_continuation' }), 'unknown-type');
    assert.equal(read('interaction.status_update', { status: 'queued' }), 'unknown-type');
    assert.equal(read('interaction.requires_continuation', {}), 'unknown-type');
    assert.equal(read('interaction.unknown_status', { status: 'completed' }), 'unknown-type');
    assert.equal(read('interaction.paused_for_review', {}), 'unknown-type');
  });
});
