import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { deepResearch, waitForGeminiJob } from '../workflows';
import { type GeminiStack, startGeminiStack } from './helpers/gemini-stack';

const id = (prefix: string) => `${prefix}-${randomUUID()}`;
const quickReconcile = { reconcileAfter: '500ms', reconcileMax: '1s' } as const;

/**
 * What @google/genai 3.x declares beyond the happy path (section B.3 of the API notes): interactions that stop
 * `incomplete` or `budget_exceeded`, for which no webhook event exists, and the Deep Research Max agent.
 */
describe('interaction statuses and agents of @google/genai 3', () => {
  let stack: GeminiStack;
  before(async () => {
    stack = await startGeminiStack({ emulator: { durations: { interactionMs: 300, deepResearchMs: 800 } } });
  });
  after(async () => {
    await stack.stop();
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

  for (const status of ['incomplete', 'budget_exceeded'] as const) {
    it(`an interaction that stops ${status} sends no webhook; the status read ends the wait as a failure`, async () => {
      const created = await stack.ai.interactions.create({
        model: 'gemini-flash-latest',
        input: `Summarise everything. [[end ${status}]]`,
        background: true,
      });
      const handle = await stack.client.workflow.start(waitForGeminiJob, {
        taskQueue: stack.taskQueue,
        workflowId: id(`wait-${status}`),
        args: [{ kind: 'interaction', id: created.id }, quickReconcile],
      });
      const resolved = await handle.result();
      assert.equal(resolved.resolvedBy, 'reconciliation');
      assert.equal(resolved.event.type, 'interaction.failed');
      assert.equal(resolved.event.data.error_code, status.toUpperCase());
      assert.equal((await stack.ai.interactions.get(created.id)).status, status);
      assert.equal(
        stack.emulator.control.inspect.deliveries({ resourceId: created.id }).length,
        0,
        'no webhook was sent',
      );
    });
  }

  it('Deep Research that runs out of budget fails the workflow with the status, not retried', async () => {
    const handle = await stack.client.workflow.start(deepResearch, {
      taskQueue: stack.taskQueue,
      workflowId: id('research-budget'),
      args: [{ topic: 'everything at once [[end budget_exceeded]]', wait: quickReconcile }],
    });
    const err = await handle.result().then(
      () => assert.fail('the workflow should have failed'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError);
    let cause = err.cause;
    while (cause instanceof ActivityFailure && cause.cause) cause = cause.cause;
    assert.ok(cause instanceof ApplicationFailure, String(cause));
    assert.match(cause.message, /budget_exceeded/);
  });
});
