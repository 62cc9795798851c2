import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { type GeminiEvent, geminiEventSignal } from '../contract';
import { startDevServer } from '../testing/dev-server';
import { waitForGeminiJob } from '../workflows/wait-for-gemini-job';
import { geminiEvent, webhookWait } from './helpers/gemini-events';
import { spawnWorkerProcess } from './helpers/processes';
import {
  connectClient,
  type RunningWorker,
  startWorker,
  testTmpDir,
  uniqueTaskQueue,
  waitUntilBlocked,
} from './helpers/temporal';

/** The run ended on this very event, delivered as a webhook (these workers host no activities: no backstop read). */
async function resolvesWith(handle: WorkflowHandle<typeof waitForGeminiJob>, sent: GeminiEvent): Promise<void> {
  const resolved = await handle.result();
  assert.deepEqual(resolved.event, sent);
  assert.equal(resolved.resolvedBy, 'webhook');
}

describe('the core primitive: a workflow that blocks on a signal', () => {
  let client: Client;
  let close: () => Promise<void>;
  let worker: RunningWorker;

  before(async () => {
    ({ client, close } = await connectClient());
    worker = await startWorker();
  });
  after(async () => {
    await worker.stop();
    await close();
  });

  it('blocks until the event arrives, then resumes with it', async () => {
    const handle = await client.workflow.start(waitForGeminiJob, {
      taskQueue: worker.taskQueue,
      workflowId: `await-${randomUUID()}`,
      args: webhookWait('interactions/abc'),
    });
    await waitUntilBlocked(handle);

    const sent = geminiEvent('interactions/abc');
    await handle.signal(geminiEventSignal, sent);
    await resolvesWith(handle, sent);
  });

  it('keeps a signal sent before the workflow starts waiting', async () => {
    const sent = geminiEvent('batches/early', { type: 'batch.succeeded' });
    const handle = await client.workflow.signalWithStart(waitForGeminiJob, {
      taskQueue: worker.taskQueue,
      workflowId: `await-${randomUUID()}`,
      args: webhookWait('batches/early'),
      signal: geminiEventSignal,
      signalArgs: [sent],
    });
    await resolvesWith(handle, sent);
  });

  it('ignores events about other resources and redeliveries of the same webhook-id', async () => {
    const handle = await client.workflow.start(waitForGeminiJob, {
      taskQueue: worker.taskQueue,
      workflowId: `await-${randomUUID()}`,
      args: webhookWait('interactions/mine'),
    });
    const other = geminiEvent('interactions/other');
    await handle.signal(geminiEventSignal, other);
    await waitUntilBlocked(handle);
    const { status } = await handle.describe();
    assert.equal(status.name, 'RUNNING', 'an event about another resource must not resolve the wait');

    const mine = geminiEvent('interactions/mine', { type: 'interaction.requires_action' });
    await handle.signal(geminiEventSignal, mine);
    await handle.signal(geminiEventSignal, { ...mine, type: 'interaction.completed' });
    await resolvesWith(handle, mine);
  });
});

describe('durability across restarts', () => {
  it('a waiting workflow survives a kill and restart of the dev server on the same db file', async () => {
    const dir = testTmpDir();
    const dbFilename = path.join(dir, 'restart.db');
    let server = await startDevServer({ dbFilename });
    const port = Number(server.address.split(':')[1]);
    const worker = await startWorker({ address: server.address });
    try {
      let connection = await Connection.connect({ address: server.address });
      let client = new Client({ connection });
      const workflowId = `restart-${randomUUID()}`;
      const handle = await client.workflow.start(waitForGeminiJob, {
        taskQueue: worker.taskQueue,
        workflowId,
        args: webhookWait('batches/survivor'),
      });
      await waitUntilBlocked(handle);
      await connection.close();

      await server.kill();
      server = await startDevServer({ dbFilename, port });

      connection = await Connection.connect({ address: server.address });
      client = new Client({ connection });
      const resumed = client.workflow.getHandle<typeof waitForGeminiJob>(workflowId);
      assert.equal((await resumed.describe()).status.name, 'RUNNING', 'the run must still exist after the restart');
      const sent = geminiEvent('batches/survivor', { type: 'batch.succeeded' });
      await resumed.signal(geminiEventSignal, sent);
      await resolvesWith(resumed, sent);
      await connection.close();
    } finally {
      await worker.stop();
      await server.stop();
    }
  });

  it('a waiting workflow survives a killed worker process', async () => {
    const { client, close } = await connectClient();
    const taskQueue = uniqueTaskQueue('killed-worker');
    const first = spawnWorkerProcess({ TEMPORAL_TASK_QUEUE: taskQueue });
    try {
      const handle = await client.workflow.start(waitForGeminiJob, {
        taskQueue,
        workflowId: `worker-restart-${randomUUID()}`,
        args: webhookWait('interactions/long'),
      });
      await waitUntilBlocked(handle, 60_000);
      await first.kill();

      const sent = geminiEvent('interactions/long');
      await handle.signal(geminiEventSignal, sent);
      const second = spawnWorkerProcess({ TEMPORAL_TASK_QUEUE: taskQueue });
      try {
        await resolvesWith(handle, sent);
      } finally {
        await second.kill();
      }
    } finally {
      await first.kill();
      await close();
    }
  });
});
