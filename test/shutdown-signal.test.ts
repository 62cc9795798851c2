import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { parseRoutingKeys } from '../routing/token';
import { waitForGeminiJob } from '../workflows/wait-for-gemini-job';
import { eventually } from './helpers/eventually';
import { webhookWait } from './helpers/gemini-events';
import { listening } from './helpers/net';
import { type TestProcess as EntryPointProcess, exitOf, spawnEntryPoint } from './helpers/processes';
import { envelope, newSecret, nowSec, ownMetadata, post, signV1 } from './helpers/receiver';
import { connectClient, signalCount, testNamespace, testServerAddress, uniqueTaskQueue } from './helpers/temporal';

/**
 * A TCP proxy in front of Temporal that the test can hold: while held nothing passes either way, as with a server that
 * stalls, so a delivery's hand-over stays in flight for as long as the test needs.
 */
async function holdableProxy(target: string) {
  const [host, port] = [target.replace(/:\d+$/, ''), Number(/:(\d+)$/.exec(target)![1])];
  const pairs: { client: net.Socket; upstream: net.Socket }[] = [];
  let held = false;
  const flow = (p: (typeof pairs)[number]) => {
    p.client.pipe(p.upstream);
    p.upstream.pipe(p.client);
  };
  const stall = (p: (typeof pairs)[number]) => {
    p.client.unpipe(p.upstream);
    p.upstream.unpipe(p.client);
    p.client.pause();
    p.upstream.pause();
  };
  const server = net.createServer((client) => {
    const pair = { client, upstream: net.connect(port, host) };
    const end = () => {
      client.destroy();
      pair.upstream.destroy();
    };
    for (const s of [client, pair.upstream]) s.on('error', end).on('close', end);
    pairs.push(pair);
    if (held) stall(pair);
    else flow(pair);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    hold() {
      held = true;
      for (const p of pairs) stall(p);
    },
    release() {
      held = false;
      for (const p of pairs) flow(p);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const p of pairs) {
          p.client.destroy();
          p.upstream.destroy();
        }
        server.close(() => resolve());
      }),
  };
}

const portOf = (url: string) => Number(new URL(url).port);

/** The URLs a fixture prints once it serves: `listening <url> <url>`. */
async function urlsOf(proc: EntryPointProcess): Promise<string[]> {
  const line = await eventually(
    async () => {
      if (proc.child.exitCode !== null) throw new Error(`exited early:\n${proc.output()}`);
      return /^listening (.+)$/m.exec(proc.output())?.[1];
    },
    'the process to serve',
    60_000,
  );
  return line.split(' ');
}

describe('a process built on startReceiver stops on its first SIGTERM', () => {
  let client: Client;
  let close: () => Promise<void>;

  before(async () => {
    ({ client, close } = await connectClient());
  });
  after(async () => {
    await close();
  });

  it('with a delivery in flight: the delivery is answered and lands once, then the process ends and frees its ports', {
    timeout: 180_000,
  }, async () => {
    const proxy = await holdableProxy(testServerAddress());
    const secret = newSecret();
    const keys = `dev:${randomBytes(32).toString('base64')}`;
    const taskQueue = uniqueTaskQueue('signal');
    const resourceId = `interactions/signal-${randomUUID()}`;
    // No worker polls this queue: the run only has to take the signal into its history, which is what "lands" means.
    const handle = await client.workflow.start(waitForGeminiJob, {
      taskQueue,
      workflowId: `signal-${randomUUID()}`,
      args: webhookWait(resourceId),
    });
    const receiver = spawnEntryPoint('test/fixtures/receiver-process.ts', {
      TEMPORAL_ADDRESS: proxy.address,
      TEMPORAL_NAMESPACE: testNamespace(),
      TEMPORAL_TASK_QUEUE: taskQueue,
      RECEIVER_PORT: '0',
      RECEIVER_OPS_PORT: '0',
      GEMINI_WEBHOOK_SECRETS: secret,
      GEMINIFLOW_ROUTING_KEYS: keys,
      // Long enough that the held hand-over is still waiting when the test lets it through.
      RECEIVER_ACK_TIMEOUT_MS: '60000',
    });
    try {
      const [url, opsUrl] = await urlsOf(receiver);
      await eventually(
        async () => ((await fetch(`${opsUrl}/readyz`)).ok ? true : undefined),
        'the receiver to reach Temporal',
        60_000,
      );

      proxy.hold();
      const webhookId = `msg_${randomUUID()}`;
      const body = JSON.stringify(
        envelope(
          'interaction.completed',
          resourceId,
          ownMetadata(handle.workflowId, 'interaction', parseRoutingKeys(keys)[0]),
        ),
      );
      const ts = nowSec();
      const answer = post(
        url!,
        {
          'webhook-id': webhookId,
          'webhook-timestamp': String(ts),
          'webhook-signature': signV1(secret, webhookId, ts, body),
        },
        body,
      );
      await eventually(async () => {
        const metrics = await (await fetch(`${opsUrl}/metrics`)).text();
        return metrics.split('\n').includes('geminiflow_webhook_in_flight 1') ? true : undefined;
      }, 'the delivery to be handing its event to Temporal');

      receiver.child.kill('SIGTERM');
      await eventually(
        async () => ((await listening(portOf(url!))) ? undefined : true),
        'the receiver to stop taking connections',
      );
      assert.equal(receiver.child.exitCode, null, 'the process waits for the delivery in flight');

      proxy.release();
      const answered = await answer;
      assert.equal(answered.status, 200, answered.body);
      assert.equal(await exitOf(receiver, 60_000), 0, receiver.output());
      assert.equal(await listening(portOf(url!)), false, 'the webhook port is free');
      assert.equal(await listening(portOf(opsUrl!)), false, 'the operations port is free');

      assert.equal(await signalCount(handle), 1, 'the event landed once');
    } finally {
      await receiver.kill();
      proxy.release();
      await proxy.close();
      await handle.terminate('test over').catch(() => undefined);
    }
  });
});

describe('a process serving the emulator and the console stops on its first SIGINT', () => {
  it('ends by itself, leaving both ports free', { timeout: 120_000 }, async () => {
    const proc = spawnEntryPoint('test/fixtures/emulator-and-console-process.ts', {});
    try {
      const urls = await urlsOf(proc);
      for (const url of urls) assert.ok(await listening(portOf(url)), `${url} serves`);
      proc.child.kill('SIGINT');
      assert.equal(await exitOf(proc, 30_000), 0, proc.output());
      for (const url of urls) assert.equal(await listening(portOf(url)), false, `${url} is free`);
    } finally {
      await proc.kill();
    }
  });
});
