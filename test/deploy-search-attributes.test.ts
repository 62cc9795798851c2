import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SetupError } from '../common/errors';
import { GeminiResourceIds, geminiEventSignal, searchAttributeKeys } from '../contract';
import { startReceiver } from '../receiver';
import { listDeadLetters } from '../temporal/dead-letters';
import { watchSearchAttributes } from '../temporal/search-attribute-watch';
import { ensureSearchAttributes, setupSearchAttributes } from '../temporal/search-attributes';
import { freePort } from '../testing/dev-server';
import { waitForGeminiJob } from '../workflows/wait-for-gemini-job';
import { assertGivesBothCommands, registerFreshNamespace, startBareDevServer } from './helpers/deploy';
import { eventually } from './helpers/eventually';
import { geminiEvent, webhookWait } from './helpers/gemini-events';
import { exitOf, spawnEntryPoint } from './helpers/processes';
import { envelope, newSecret, nowSec, post, signV1, testLogger } from './helpers/receiver';
import { testServerAddress, uniqueTaskQueue } from './helpers/temporal';

const { IndexedValueType } = temporal.api.enums.v1;

async function customAttributes(connection: Connection, namespace: string) {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  return customAttributes ?? {};
}

describe('search attributes at start, on a namespace nobody prepared', () => {
  let connection: Connection;

  before(async () => {
    connection = await Connection.connect({ address: testServerAddress() });
  });
  after(async () => {
    await connection.close();
  });

  it('registers the missing attributes with their types on a fresh namespace, and is a no-op afterwards', async () => {
    const namespace = await registerFreshNamespace(connection);
    assert.deepEqual(Object.keys(await customAttributes(connection, namespace)), []);
    const logged: object[] = [];
    const logger = { info: (obj: object) => logged.push(obj), warn: (obj: object) => logged.push(obj) };

    const first = await setupSearchAttributes({ connection, namespace, mode: 'register', logger });
    assert.deepEqual(first.registered.sort(), searchAttributeKeys.map((k) => k.name).sort());
    assert.equal(first.typesVerified, true);
    assert.deepEqual(logged, [{ namespace, registered: first.registered }]);
    const attrs = await customAttributes(connection, namespace);
    assert.equal(attrs.GeminiResourceIds, IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST);
    assert.equal(attrs.GeminiWaitingFor, IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    assert.equal(attrs.GeminiWaitingSince, IndexedValueType.INDEXED_VALUE_TYPE_DATETIME);
    assert.equal(attrs.GeminiPendingApprovals, IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST);

    const second = await setupSearchAttributes({ connection, namespace, mode: 'check' });
    assert.deepEqual(second.registered, []);
  });

  it('with registration off, the real worker refuses to start and prints the commands that create them', async () => {
    const namespace = await registerFreshNamespace(connection);
    const worker = spawnEntryPoint('example/worker.ts', {
      TEMPORAL_ADDRESS: testServerAddress(),
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('refused'),
      GEMINIFLOW_REGISTER_SEARCH_ATTRIBUTES: 'false',
    });
    assert.equal(await exitOf(worker), 1);
    const output = worker.output();
    assert.match(
      output,
      /geminiflow: namespace deploy-\w+ lacks the search attribute\(s\) GeminiResourceIds, GeminiWaitingFor, GeminiWaitingSince, GeminiPendingApprovals/,
    );
    assert.match(output, /GEMINIFLOW_REGISTER_SEARCH_ATTRIBUTES=false/);
    assertGivesBothCommands(output, namespace);
    assert.doesNotMatch(output, /\n\s+at /, 'a setup error is a message, not a stack trace');
    assert.deepEqual(Object.keys(await customAttributes(connection, namespace)), [], 'nothing was registered');
  });

  it('with registration off, the real receiver stops too instead of serving a namespace it cannot route in', async () => {
    const namespace = await registerFreshNamespace(connection);
    const receiver = spawnEntryPoint('receiver/main.ts', {
      TEMPORAL_ADDRESS: testServerAddress(),
      TEMPORAL_NAMESPACE: namespace,
      RECEIVER_PORT: '0',
      RECEIVER_OPS_PORT: '0',
      GEMINIFLOW_ROUTING_KEYS: 'none',
      GEMINIFLOW_REGISTER_SEARCH_ATTRIBUTES: 'false',
    });
    assert.equal(await exitOf(receiver), 1);
    assertGivesBothCommands(receiver.output(), namespace);
  });

  it('refuses an attribute of the wrong type, naming it and both types', async () => {
    const namespace = await registerFreshNamespace(connection);
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: { GeminiWaitingFor: IndexedValueType.INDEXED_VALUE_TYPE_TEXT },
    });
    await assert.rejects(
      setupSearchAttributes({ connection, namespace, mode: 'register' }),
      (err: Error) =>
        err instanceof SetupError &&
        /GeminiWaitingFor is Text, geminiflow needs Keyword/.test(err.message) &&
        /search-attribute remove/.test(err.message),
    );
    const attrs = await customAttributes(connection, namespace);
    assert.equal(attrs.GeminiResourceIds, undefined, 'nothing else was registered beside the wrong one');
  });

  it('a receiver whose namespace does not know GeminiResourceIds (yet) answers 503 to an owner lookup, and the retry lands', async () => {
    // A cluster node refuses the lookup query like this for a moment after the attributes are registered (its
    // namespace cache refreshes every 2 s); here the namespace lacks them altogether until the test adds them.
    const namespace = await registerFreshNamespace(connection);
    const secret = newSecret();
    const receiver = await startReceiver({
      port: 0,
      secrets: [secret],
      temporal: { address: testServerAddress(), namespace, taskQueue: uniqueTaskQueue('lookup') },
      logger: testLogger,
    });
    try {
      const webhookId = `msg_${randomUUID()}`;
      const body = JSON.stringify(envelope('interaction.completed', `interactions/lookup-${randomUUID()}`));
      const send = () => {
        const ts = nowSec();
        const headers = {
          'webhook-id': webhookId,
          'webhook-timestamp': String(ts),
          'webhook-signature': signV1(secret, webhookId, ts, body),
        };
        return post(receiver.url, headers, body);
      };
      const refused = await send();
      assert.equal(refused.status, 503, refused.body);
      assert.deepEqual(
        await listDeadLetters(new Client({ connection, namespace })),
        [],
        'no dead letter for a lookup that failed',
      );

      await setupSearchAttributes({ connection, namespace, mode: 'register' });
      const landed = await eventually(async () => {
        const res = await send();
        return res.status === 200 ? res : undefined;
      }, 'the retry to land');
      assert.deepEqual(JSON.parse(landed.body), { outcome: 'held' });
    } finally {
      await receiver.stop();
    }
  });

  it('a running worker that finds them gone and may not register them stops with one line naming the fix', async () => {
    const namespace = await registerFreshNamespace(connection);
    const lost = await new Promise<SetupError>((resolve) => {
      const watch = watchSearchAttributes({
        connection,
        namespace,
        mode: 'check',
        intervalMs: 100,
        onLost: (err) => {
          watch.stop();
          resolve(err);
        },
      });
    });
    assert.equal(lost.message.split('\n').length, 1, lost.message);
    assert.match(
      lost.message,
      new RegExp(`namespace ${namespace} lost geminiflow's search attribute\\(s\\) GeminiResourceIds`),
    );
    assert.match(lost.message, /GEMINIFLOW_REGISTER_SEARCH_ATTRIBUTES=false\): it stopped\. .*npx geminiflow doctor/);
    assert.deepEqual(Object.keys(await customAttributes(connection, namespace)), [], 'nothing was registered');
  });

  it('a server that cannot be reached is a clear error within the bound, not a hang', async () => {
    await assert.rejects(
      ensureSearchAttributes(
        { address: '127.0.0.1:1', namespace: 'default', connectionOptions: { address: '127.0.0.1:1' } },
        { reachTimeoutMs: 1000 },
      ),
      (err: Error) => err instanceof SetupError && /cannot reach Temporal at 127\.0\.0\.1:1/.test(err.message),
    );
  });
});

describe("the issue's scenario: the user's own `temporal server start-dev`, then the worker with TEMPORAL_ADDRESS", () => {
  it('runs a workflow to completion without anyone registering search attributes by hand', {
    timeout: 120_000,
  }, async () => {
    const server = await startBareDevServer();
    const taskQueue = uniqueTaskQueue('bare');
    const worker = spawnEntryPoint('example/worker.ts', {
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
    });
    const connection = await Connection.connect({ address: server.address });
    try {
      const client = new Client({ connection });
      const resourceId = `int_${randomUUID()}`;
      const handle = await client.workflow.start(waitForGeminiJob, {
        taskQueue,
        workflowId: `bare-${resourceId}`,
        args: webhookWait(resourceId),
      });
      // The workflow sets GeminiResourceIds and GeminiWaitingFor in its first task: visible only if that task passed.
      const described = await eventually(
        async () => {
          const d = await handle.describe();
          return d.typedSearchAttributes.getAll().length > 0 ? d : undefined;
        },
        'the run to carry its search attributes',
        60_000,
      ).catch((err: Error) => assert.fail(`${err.message}; worker output:\n${worker.output()}`));
      assert.ok(described.typedSearchAttributes.get(GeminiResourceIds)?.includes(resourceId));
      const sent = geminiEvent(resourceId);
      await handle.signal(geminiEventSignal, sent);
      const resolved = await handle.result();
      assert.deepEqual(resolved.event, sent);
      assert.match(worker.output(), /registered missing search attributes/);
      assert.doesNotMatch(worker.output(), /BadSearchAttributes/);
    } finally {
      await worker.kill();
      await connection.close();
      await server.stop();
    }
  });
});

describe('a worker whose namespace loses the search attributes while it runs', () => {
  it('registers them again when its dev server comes back without its database, and runs complete', {
    timeout: 240_000,
  }, async () => {
    const port = await freePort();
    let server = await startBareDevServer(port);
    const taskQueue = uniqueTaskQueue('lost');
    const worker = spawnEntryPoint('example/worker.ts', {
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
    });
    const client = new Client({ connection: await Connection.connect({ address: server.address }) });
    const runToCompletion = async (what: string) => {
      const resourceId = `int_${randomUUID()}`;
      const handle = await client.workflow.start(waitForGeminiJob, {
        taskQueue,
        workflowId: `lost-${resourceId}`,
        args: webhookWait(resourceId),
      });
      await eventually(
        async () => ((await handle.describe()).typedSearchAttributes.get(GeminiResourceIds)?.length ? true : undefined),
        `${what} to carry its search attributes (worker output:\n${worker.output()})`,
        90_000,
      );
      const sent = geminiEvent(resourceId);
      await handle.signal(geminiEventSignal, sent);
      assert.deepEqual((await handle.result()).event, sent);
    };
    try {
      await runToCompletion('a run before the restart');
      await server.stop();
      server = await startBareDevServer(port);
      // The worker's connection comes back by itself, to a namespace that knows none of geminiflow's attributes.
      await runToCompletion('a run started right after the restart');
      assert.match(
        worker.output(),
        /namespace default lost geminiflow's search attribute\(s\) GeminiResourceIds, .*registered them again/,
      );
      assert.equal(worker.child.exitCode, null, 'the worker keeps running');
    } finally {
      await worker.kill();
      await client.connection.close();
      await server.stop();
    }
  });
});
