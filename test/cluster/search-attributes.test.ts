import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Client, type Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { GeminiResourceIds, geminiEventSignal, searchAttributeKeys } from '../../contract';
import { listDeadLetters } from '../../temporal/dead-letters';
import { waitForGeminiJob } from '../../workflows/wait-for-gemini-job';
import { assertGivesBothCommands, registerFreshNamespace } from '../helpers/deploy';
import { eventually } from '../helpers/eventually';
import { geminiEvent, webhookWait } from '../helpers/gemini-events';
import { exitOf, receiverUrlOf, spawnEntryPoint } from '../helpers/processes';
import { envelope, newSecret, nowSec, post, signV1 } from '../helpers/receiver';
import { clusterFrontends, connectToCluster } from './system';

const { IndexedValueType } = temporal.api.enums.v1;

async function customAttributes(connection: Connection, namespace: string) {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  return customAttributes ?? {};
}

/** A namespace every node knows: made through one frontend, then usable through each (their caches refresh apart). */
async function freshNamespaceOnEveryNode(connections: Connection[]): Promise<string> {
  const namespace = await registerFreshNamespace(connections[0]!);
  for (const connection of connections.slice(1)) {
    await eventually(
      () =>
        connection.operatorService.listSearchAttributes({ namespace }).then(
          () => true,
          () => undefined,
        ),
      `namespace ${namespace} through every frontend`,
      60_000,
    );
  }
  return namespace;
}

describe('on the cluster: search attributes on SQL visibility, for a namespace nobody prepared', () => {
  const frontends = clusterFrontends();
  let connections: Connection[];

  before(async () => {
    connections = await Promise.all(frontends.map(async (f) => (await connectToCluster(f)).connection));
  });
  after(async () => {
    await Promise.all(connections.map((c) => c.close()));
  });

  it('the worker registers them at start through one node; a run through the other uses them at once', {
    timeout: 180_000,
  }, async () => {
    const namespace = await freshNamespaceOnEveryNode(connections);
    assert.deepEqual(Object.keys(await customAttributes(connections[0]!, namespace)), []);
    const taskQueue = `cluster-sa-${randomUUID()}`;
    const worker = spawnEntryPoint('example/worker.ts', {
      TEMPORAL_ADDRESS: frontends.at(-1)!,
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
    });
    try {
      await eventually(
        async () => (/worker started/.test(worker.output()) ? true : undefined),
        'the worker to start',
        120_000,
      ).catch((err: Error) => assert.fail(`${err.message}; worker output:\n${worker.output()}`));
      assert.match(worker.output(), /registered missing search attributes/);
      const attrs = await customAttributes(connections[0]!, namespace);
      for (const key of searchAttributeKeys) {
        assert.equal(attrs[key.name], IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`], `${key.name} is ${key.type}`);
      }

      const client = new Client({ connection: connections[0]!, namespace });
      const resourceId = `int_${randomUUID()}`;
      const handle = await client.workflow.start(waitForGeminiJob, {
        taskQueue,
        workflowId: `cluster-sa-${resourceId}`,
        args: webhookWait(resourceId),
      });
      // Visible only if the run's first task, which sets the attributes, passed on whichever history node owns it.
      await eventually(
        async () => {
          const { count } = await client.workflow.count(`GeminiResourceIds = '${resourceId}'`);
          return count === 1 || undefined;
        },
        'the run to be found by its resource id',
        60_000,
      );
      const sent = geminiEvent(resourceId);
      await handle.signal(geminiEventSignal, sent);
      assert.deepEqual((await handle.result()).event, sent);
      assert.ok((await handle.describe()).typedSearchAttributes.get(GeminiResourceIds)?.includes(resourceId));
      assert.doesNotMatch(worker.output(), /BadSearchAttributes/);
    } finally {
      await worker.kill();
    }
  });

  it('a receiver starting on that namespace answers 503 or holds each event while the attributes arrive: never a dead letter', {
    timeout: 120_000,
  }, async (t) => {
    const namespace = await freshNamespaceOnEveryNode(connections);
    const secret = newSecret();
    const receiver = spawnEntryPoint('receiver/main.ts', {
      // Routed by the owner lookup, the path that meets the attributes the worker just registered.
      GEMINIFLOW_ROUTING_KEYS: 'none',
      TEMPORAL_ADDRESS: frontends[0]!,
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_TASK_QUEUE: `cluster-lookup-${randomUUID()}`,
      RECEIVER_PORT: '0',
      RECEIVER_OPS_PORT: '0',
      GEMINI_WEBHOOK_SECRETS: secret,
    });
    try {
      const receiverUrl = await receiverUrlOf(receiver);
      // From the moment it listens: it registers the attributes meanwhile, and each node's namespace cache catches up
      // within its refresh interval. Each delivery is for a job nobody has recorded yet, so each needs the lookup.
      const answers: string[] = [];
      await eventually(
        async () => {
          const webhookId = `msg_${randomUUID()}`;
          const body = JSON.stringify(envelope('interaction.completed', `interactions/early-${randomUUID()}`));
          const ts = nowSec();
          const res = await post(
            receiverUrl,
            {
              'webhook-id': webhookId,
              'webhook-timestamp': String(ts),
              'webhook-signature': signV1(secret, webhookId, ts, body),
            },
            body,
          );
          answers.push(res.status === 200 ? (JSON.parse(res.body) as { outcome: string }).outcome : String(res.status));
          return answers.filter((a) => a === 'held').length >= 3 || undefined;
        },
        'deliveries to be held once the lookup works',
        60_000,
      );
      t.diagnostic(`answers from the first delivery on: ${answers.join(' ')}`);
      assert.deepEqual(
        answers.filter((a) => a !== '503' && a !== 'held'),
        [],
        'only 503 (retried) or held',
      );
      assert.deepEqual(await listDeadLetters(new Client({ connection: connections[0]!, namespace })), []);
    } finally {
      await receiver.kill();
    }
  });

  it('with registration off, the worker refuses to start and prints the commands that create them', {
    timeout: 120_000,
  }, async () => {
    const namespace = await freshNamespaceOnEveryNode(connections);
    const worker = spawnEntryPoint('example/worker.ts', {
      TEMPORAL_ADDRESS: frontends[0]!,
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_TASK_QUEUE: `cluster-refused-${randomUUID()}`,
      GEMINIFLOW_REGISTER_SEARCH_ATTRIBUTES: 'false',
    });
    assert.equal(await exitOf(worker), 1);
    const output = worker.output();
    assert.match(
      output,
      new RegExp(
        `namespace ${namespace} lacks the search attribute\\(s\\) ${searchAttributeKeys.map((k) => k.name).join(', ')}`,
      ),
    );
    assertGivesBothCommands(output, namespace);
    assert.doesNotMatch(output, /\n\s+at /, 'a setup error is a message, not a stack trace');
    assert.deepEqual(Object.keys(await customAttributes(connections[0]!, namespace)), [], 'nothing was registered');
  });

  it('when SQL visibility has no free column of a type, the worker says the server refused and prints the commands', {
    timeout: 120_000,
  }, async () => {
    const namespace = await freshNamespaceOnEveryNode(connections);
    const keywordList = searchAttributeKeys.find((k) => k.type === 'KEYWORD_LIST')!;
    // SQL visibility has three KeywordList columns per namespace; someone else's attributes take them all.
    await connections[0]!.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(
        ['OtherListA', 'OtherListB', 'OtherListC'].map((name) => [
          name,
          IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
        ]),
      ),
    });
    const worker = spawnEntryPoint('example/worker.ts', {
      TEMPORAL_ADDRESS: frontends[0]!,
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_TASK_QUEUE: `cluster-full-${randomUUID()}`,
    });
    assert.equal(await exitOf(worker), 1);
    const output = worker.output();
    assert.match(
      output,
      new RegExp(`lacks the search attribute\\(s\\) .*${keywordList.name}.* \\(the server refused to add them: `),
    );
    assertGivesBothCommands(output, namespace);
    assert.doesNotMatch(output, /\n\s+at /);
  });
});
