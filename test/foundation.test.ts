import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { startDevServer } from '../common/dev-server';
import { type GeminiEvent, geminiEventSignal } from '../workflows/gemini-event';
import { awaitGeminiEvent } from '../workflows/await-event';
import {
  connectClient,
  type RunningWorker,
  spawnWorkerProcess,
  startWorker,
  testTmpDir,
  uniqueTaskQueue,
  waitUntilBlocked,
} from './helpers/temporal';

function event(resourceId: string, overrides: Partial<GeminiEvent> = {}): GeminiEvent {
  return {
    webhookId: `msg_${randomUUID()}`,
    type: 'interaction.completed',
    resourceId,
    timestamp: '2026-11-22T10:00:00Z',
    data: { id: resourceId },
    via: 'webhook',
    ...overrides,
  };
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
    const handle = await client.workflow.start(awaitGeminiEvent, {
      taskQueue: worker.taskQueue,
      workflowId: `await-${randomUUID()}`,
      args: ['interactions/abc'],
    });
    await waitUntilBlocked(handle);

    const sent = event('interactions/abc');
    await handle.signal(geminiEventSignal, sent);
    assert.deepEqual(await handle.result(), sent);
  });

  it('keeps a signal sent before the workflow starts waiting', async () => {
    const sent = event('batches/early');
    const handle = await client.workflow.signalWithStart(awaitGeminiEvent, {
      taskQueue: worker.taskQueue,
      workflowId: `await-${randomUUID()}`,
      args: ['batches/early'],
      signal: geminiEventSignal,
      signalArgs: [sent],
    });
    assert.deepEqual(await handle.result(), sent);
  });

  it('ignores events about other resources and redeliveries of the same webhook-id', async () => {
    const handle = await client.workflow.start(awaitGeminiEvent, {
      taskQueue: worker.taskQueue,
      workflowId: `await-${randomUUID()}`,
      args: ['interactions/mine'],
    });
    const other = event('interactions/other');
    await handle.signal(geminiEventSignal, other);
    await waitUntilBlocked(handle);
    const { status } = await handle.describe();
    assert.equal(status.name, 'RUNNING', 'an event about another resource must not resolve the wait');

    const mine = event('interactions/mine', { type: 'interaction.requires_action' });
    await handle.signal(geminiEventSignal, mine);
    await handle.signal(geminiEventSignal, { ...mine, type: 'interaction.completed' });
    assert.deepEqual(await handle.result(), mine);
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
      const handle = await client.workflow.start(awaitGeminiEvent, {
        taskQueue: worker.taskQueue,
        workflowId,
        args: ['batches/survivor'],
      });
      await waitUntilBlocked(handle);
      await connection.close();

      await server.kill();
      server = await startDevServer({ dbFilename, port });

      connection = await Connection.connect({ address: server.address });
      client = new Client({ connection });
      const resumed = client.workflow.getHandle(workflowId);
      assert.equal((await resumed.describe()).status.name, 'RUNNING', 'the run must still exist after the restart');
      const sent = event('batches/survivor', { type: 'batch.succeeded' });
      await resumed.signal(geminiEventSignal, sent);
      assert.deepEqual(await resumed.result(), sent);
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
      const handle = await client.workflow.start(awaitGeminiEvent, {
        taskQueue,
        workflowId: `worker-restart-${randomUUID()}`,
        args: ['interactions/long'],
      });
      await waitUntilBlocked(handle, 60_000);
      await first.kill();

      const sent = event('interactions/long');
      await handle.signal(geminiEventSignal, sent);
      const second = spawnWorkerProcess({ TEMPORAL_TASK_QUEUE: taskQueue });
      try {
        assert.deepEqual(await handle.result(), sent);
      } finally {
        await second.kill();
      }
    } finally {
      await first.kill();
      await close();
    }
  });
});
