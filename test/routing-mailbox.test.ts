import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import * as routing from '../activities/routing';
import { GeminiResourceIds, geminiEventSignal, mailboxWorkflowId } from '../contract';
import { type RunningReceiver, startReceiver } from '../receiver/server';
import { listDeadLetters } from '../temporal/dead-letters';
import { waitForGeminiJob } from '../workflows/wait-for-gemini-job';
import { geminiEvent, webhookWait } from './helpers/gemini-events';
import { envelope, newSecret, nowSec, post, signV1, testLogger } from './helpers/receiver';
import { connectClient, type RunningWorker, startWorker, testNamespace, testServerAddress } from './helpers/temporal';

const secret = newSecret();

describe('mailbox: an event held while a copy of it reached its owner directly', () => {
  let client: Client;
  let close: () => Promise<void>;
  let worker: RunningWorker;
  let receiver: RunningReceiver;

  before(async () => {
    ({ client, close } = await connectClient());
    worker = await startWorker({ activities: routing });
    receiver = await startReceiver({
      logger: testLogger,
      port: 0,
      secrets: [secret],
      temporal: { address: testServerAddress(), namespace: testNamespace(), taskQueue: worker.taskQueue },
      mailboxLingerTimeoutMs: 1000,
    });
  });
  after(async () => {
    await receiver?.stop();
    await worker?.stop();
    await close?.();
  });

  it('is late, not a dead letter, once the owner has completed (a retry on a cluster with visibility lag)', async () => {
    const resourceId = `interactions/copied-${randomUUID()}`;
    const webhookId = `msg_${randomUUID()}`;
    const body = JSON.stringify(envelope('interaction.completed', resourceId));
    const ts = nowSec();
    const res = await post(
      receiver.url,
      {
        'webhook-id': webhookId,
        'webhook-timestamp': String(ts),
        'webhook-signature': signV1(secret, webhookId, ts, body),
      },
      body,
    );
    assert.deepEqual(JSON.parse(res.body), { outcome: 'held' }, 'no run has recorded the id yet');

    // The same delivery, retried to another receiver that found the owner: the run starts with it and completes in its
    // first task, before the mailbox's next lookup.
    const copy = geminiEvent(resourceId, { webhookId });
    const owner = await client.workflow.signalWithStart(waitForGeminiJob, {
      taskQueue: worker.taskQueue,
      workflowId: `owner-${randomUUID()}`,
      args: webhookWait(resourceId),
      typedSearchAttributes: [{ key: GeminiResourceIds, value: [resourceId] }],
      signal: geminiEventSignal,
      signalArgs: [copy],
    });
    assert.equal((await owner.result()).event.webhookId, webhookId);

    const mailbox = await client.workflow.getHandle(mailboxWorkflowId(resourceId)).result();
    assert.deepEqual(
      { owner: mailbox.owner, forwarded: mailbox.forwarded, late: mailbox.late, deadLettered: mailbox.deadLettered },
      { owner: owner.workflowId, forwarded: 0, late: 1, deadLettered: 0 },
    );
    const kept = (await listDeadLetters(client, { includeReplayed: true })).filter(
      (d) => d.record.webhookId === webhookId,
    );
    assert.deepEqual(kept, []);
  });
});
