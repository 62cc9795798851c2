import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startLocalStack } from '../../testing';
import { waitForGeminiJob } from '../../workflows';
import { model } from './emulated-model';
import { testLogger } from './receiver';
import { testNamespace, testServerAddress, uniqueTaskQueue } from './temporal';

/**
 * A run resumed by a registered (static) webhook: a stack with registered webhooks only, a job made outside geminiflow
 * (its delivery carries no user_metadata), and a run that waits on it by id, until the webhook ends the wait. The
 * receiver finds the run through the owner lookup, so its span starts a trace of its own.
 */
export async function runEndedByStaticWebhook(bundle: string, name: string) {
  const registered = await startLocalStack({
    temporal: { address: testServerAddress(), namespace: testNamespace() },
    taskQueue: uniqueTaskQueue(name),
    emulator: { timeScale: 1 },
    webhooks: 'registered',
    worker: { workflowBundlePath: bundle },
    logger: testLogger,
  });
  try {
    const created = (await registered.ai.interactions.create({
      model,
      input: 'a job of its own [[duration 3000]]',
      background: true,
      store: true,
    } as Parameters<typeof registered.ai.interactions.create>[0])) as { id: string };
    const workflowId = `${name}-wait-${randomUUID()}`;
    const handle = await registered.client.workflow.start(waitForGeminiJob, {
      taskQueue: registered.taskQueue,
      workflowId,
      args: [
        { kind: 'interaction', id: created.id },
        { reconcileAfter: '1 day', reconcileMax: '1 day' },
      ],
    });
    assert.equal((await handle.result()).resolvedBy, 'webhook');
    const [delivery] = registered.emulator!.control.inspect.deliveries({ resourceId: created.id });
    assert.equal(delivery?.target.kind, 'registered');
    return { workflowId, webhookId: delivery.webhookId, stop: () => registered.stop() };
  } catch (err) {
    await registered.stop();
    throw err;
  }
}
