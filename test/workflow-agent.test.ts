import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { GoogleGenAI } from '@google/genai';
import { Client, Connection, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { functionTool, parseToolArgs } from '../contract';
import { agentWorkflow } from '../example/agent';
import { listPublications, publishOnce } from '../example/publish-outbox';
import { publish, toolCatalog } from '../example/tools';
import { startDevServer } from '../testing/dev-server';
import {
  type AgentInput,
  agentStateQuery,
  decideApprovalUpdate,
  endConversationUpdate,
  GeminiResourceIds,
  geminiWaitsQuery,
  type PendingApproval,
  pendingApprovalsQuery,
  sendMessageUpdate,
} from '../workflows';
import { call, model, replyAfterTools, replyTo } from './helpers/emulated-model';
import { eventually } from './helpers/eventually';
import { type GeminiStack, startGeminiStack } from './helpers/gemini-stack';
import { spawnWorkerProcess } from './helpers/processes';
import { testTmpDir, uniqueTaskQueue } from './helpers/temporal';

/** A rejected update's reason is the validator's error, carried as the cause. */
async function rejectsWith(promise: Promise<unknown>, reason: RegExp): Promise<void> {
  await assert.rejects(promise, (err: Error & { cause?: Error }) => {
    assert.match(String(err.cause?.message ?? err.message), reason);
    return true;
  });
}

async function pendingApprovals(handle: WorkflowHandle, count = 1): Promise<PendingApproval[]> {
  return eventually(async () => {
    const pending = await handle.query(pendingApprovalsQuery);
    return pending.length >= count ? pending : undefined;
  }, `${count} pending approval(s)`);
}

describe('tool registry', () => {
  it('turns a tool into the flat function tool Gemini takes, with the JSON schema of its arguments', () => {
    assert.deepEqual(functionTool(publish), {
      type: 'function',
      name: 'publish',
      description: publish.description,
      parameters: {
        type: 'object',
        properties: {
          title: { type: 'string', minLength: 1, maxLength: 200, description: 'Headline of the document' },
          body: { type: 'string', minLength: 1, description: 'The document, in markdown' },
        },
        required: ['title', 'body'],
      },
    });
    assert.deepEqual(
      Object.values(toolCatalog).map((t) => [t.name, t.policy]),
      [
        ['count_words', 'auto'],
        ['lookup_glossary', 'auto'],
        ['publish', 'approval'],
        ['send_email', 'refuse'],
      ],
    );
  });

  it('explains bad arguments so the model can correct its call', () => {
    const parsed = parseToolArgs(publish, { title: '' });
    assert.equal(parsed.ok, false);
    assert.match(!parsed.ok ? parsed.error : '', /invalid arguments for publish:[\s\S]*title[\s\S]*body/);
  });

  it('publishes once per idempotency key, whoever races for it', async () => {
    const dir = path.join(testTmpDir(), 'outbox');
    const attempts = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        Promise.resolve().then(() => publishOnce(dir, 'wf/int/call-1', { title: `try ${i}`, body: 'b' })),
      ),
    );
    const published = listPublications(dir);
    assert.equal(published.length, 1);
    assert.equal(attempts.filter((a) => !a.alreadyPublished).length, 1);
    for (const a of attempts) assert.deepEqual(a.publication, published[0]);
    assert.deepEqual(fs.readdirSync(dir), [`${published[0]!.id}.json`], 'no temporary files are left behind');
  });
});

describe('agent workflow (emulator -> receiver -> workflow)', () => {
  let stack: GeminiStack;
  let client: Client;
  let ai: GoogleGenAI;

  before(async () => {
    stack = await startGeminiStack({ emulator: { durations: { interactionMs: 200 } } });
    ({ client, ai } = stack);
  });
  after(async () => {
    await stack.stop();
  });

  const start = (input: AgentInput, taskQueue = stack.taskQueue) =>
    client.workflow.start(agentWorkflow, { taskQueue, workflowId: `agent-${randomUUID()}`, args: [input] });
  const publishedBy = (workflowId: string) =>
    listPublications(stack.publishDir).filter((p) => p.idempotencyKey.startsWith(`${workflowId}/`));

  it('runs automatic tools side by side, refuses by policy and by bad input, and answers with the results', async () => {
    const message = [
      'Check these.',
      call('count_words', { text: 'one two three' }),
      call('lookup_glossary', { term: 'Webhook' }),
      call('lookup_glossary', { term: 'nothing-like-it' }),
      call('send_email', { to: 'a@example.com', subject: 's', body: 'b' }),
      call('count_words', { words: 'wrong argument' }),
    ].join(' ');
    const tools = ['count_words', 'lookup_glossary', 'send_email'];
    const handle = await start({ model, tools, message, conversation: false });
    const result = await handle.result();

    const expected: [string, unknown][] = [
      ['count_words', { words: 3 }],
      [
        'lookup_glossary',
        {
          term: 'Webhook',
          definition:
            'An HTTP request a service sends to tell you that something happened, instead of you polling for it.',
        },
      ],
      ['lookup_glossary', 'no glossary entry for "nothing-like-it"'],
      [
        'send_email',
        'send_email is not allowed: Outbound email is disabled for agents in this deployment; ' +
          'publish to the team channel instead.',
      ],
      [
        'count_words',
        'invalid arguments for count_words:\n✖ Invalid input: expected string, received undefined\n  → at text',
      ],
    ];
    assert.equal(result.reply, replyAfterTools(expected));
    assert.equal(result.endedBy, 'answered');
    assert.equal(result.turns, 1);
    assert.deepEqual(
      result.transcript.entries.flatMap((e) => (e.kind === 'tool' ? [[e.tool, e.handling, e.isError]] : [])),
      [
        ['count_words', 'auto', false],
        ['lookup_glossary', 'auto', false],
        ['lookup_glossary', 'auto', true],
        ['send_email', 'refused', true],
        ['count_words', 'invalid', true],
      ],
    );

    // The model saw every answer, errors flagged, in the interaction that continued the first one.
    const last = await ai.interactions.get(result.lastInteractionId!);
    assert.ok(last.previous_interaction_id, 'the answers continue the interaction that asked for them');
    const sent = (last.steps ?? []).filter((s) => s.type === 'function_result') as { is_error?: boolean }[];
    assert.deepEqual(
      sent.map((s) => Boolean(s.is_error)),
      [false, false, true, true, true],
    );

    // The three automatic calls were all started before the first of them finished.
    const events = (await handle.fetchHistory()).events ?? [];
    const toolRuns = new Set(
      events
        .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runTool')
        .map((e) => String(e.eventId)),
    );
    const order = events.flatMap((e) => {
      if (toolRuns.has(String(e.eventId))) return ['scheduled'];
      const done = e.activityTaskCompletedEventAttributes;
      return done && toolRuns.has(String(done.scheduledEventId)) ? ['completed'] : [];
    });
    assert.deepEqual(order, ['scheduled', 'scheduled', 'scheduled', 'completed', 'completed', 'completed']);
  });

  it('runs an approved call once, and refuses unknown and repeated decisions', async () => {
    const doc = { title: 'Weekly brief', body: 'All systems nominal.' };
    const handle = await start({
      model,
      tools: ['publish'],
      message: `Publish it. ${call('publish', doc)}`,
      conversation: false,
    });
    const [pending] = await pendingApprovals(handle);
    assert.equal(pending!.tool, 'publish');
    assert.deepEqual(pending!.arguments, doc);
    assert.equal(pending!.note, publish.note);
    assert.equal((await handle.query(agentStateQuery)).phase, 'waiting_for_approval');
    assert.deepEqual(publishedBy(handle.workflowId), [], 'nothing is published before the approval');

    await rejectsWith(
      handle.executeUpdate(decideApprovalUpdate, { args: [{ callId: 'call_that_never_was', approve: true }] }),
      /unknown call call_that_never_was/,
    );
    const accepted = await handle.executeUpdate(decideApprovalUpdate, {
      args: [{ callId: pending!.callId, approve: true, reviewer: 'ana' }],
    });
    // The first form of a decision still works, and the answer says what was decided.
    const { decidedAt, ...decided } = accepted;
    assert.deepEqual(decided, {
      callId: pending!.callId,
      kind: 'approve',
      approved: true,
      argumentsUsed: doc,
      reviewer: 'ana',
    });
    assert.ok(Date.parse(decidedAt) >= Date.parse(pending!.requestedAt));
    await rejectsWith(
      handle.executeUpdate(decideApprovalUpdate, { args: [{ callId: pending!.callId, approve: false }] }),
      /already approved/,
    );

    const result = await handle.result();
    const [published] = publishedBy(handle.workflowId);
    assert.deepEqual(publishedBy(handle.workflowId).length, 1);
    assert.deepEqual({ title: published!.title, body: published!.body }, doc);
    assert.equal(
      result.reply,
      replyAfterTools([['publish', { published: true, id: published!.id, title: doc.title }]]),
    );
    await rejectsWith(
      handle.executeUpdate(decideApprovalUpdate, { args: [{ callId: pending!.callId, approve: true }] }),
      /already approved|workflow execution already completed/i,
    );
  });

  it('decides each call that needs approval on its own, while the others wait', async () => {
    const first = { title: 'One', body: 'First document.' };
    const second = { title: 'Two', body: 'Second document.' };
    const handle = await start({
      model,
      tools: ['publish', 'count_words'],
      message: `Both. ${call('publish', first)} ${call('publish', second)} ${call('count_words', { text: 'a b' })}`,
      conversation: false,
    });
    const pending = await pendingApprovals(handle, 2);
    assert.deepEqual(
      pending.map((p) => p.arguments),
      [first, second],
    );
    await handle.executeUpdate(decideApprovalUpdate, { args: [{ callId: pending[1]!.callId, approve: true }] });
    assert.deepEqual(
      (await handle.query(pendingApprovalsQuery)).map((p) => p.callId),
      [pending[0]!.callId],
    );
    await handle.executeUpdate(decideApprovalUpdate, { args: [{ callId: pending[0]!.callId, approve: false }] });
    const result = await handle.result();
    const published = publishedBy(handle.workflowId);
    assert.deepEqual(
      published.map((p) => p.title),
      ['Two'],
    );
    assert.equal(
      result.reply,
      replyAfterTools([
        ['publish', 'denied by the approver; it was not run'],
        ['publish', { published: true, id: published[0]!.id, title: 'Two' }],
        ['count_words', { words: 2 }],
      ]),
    );
  });

  it('a denied call is not run and the model is told why', async () => {
    const handle = await start({
      model,
      tools: ['publish'],
      message: `Publish it. ${call('publish', { title: 'Draft', body: 'Not ready' })}`,
      conversation: false,
    });
    const [pending] = await pendingApprovals(handle);
    await handle.executeUpdate(decideApprovalUpdate, {
      args: [{ callId: pending!.callId, approve: false, reviewer: 'ana', reason: 'the figures are unchecked' }],
    });
    await rejectsWith(
      handle.executeUpdate(decideApprovalUpdate, { args: [{ callId: pending!.callId, approve: true }] }),
      /already denied/,
    );
    const result = await handle.result();
    assert.equal(
      result.reply,
      replyAfterTools([['publish', 'denied by ana: the figures are unchecked; it was not run']]),
    );
    assert.deepEqual(publishedBy(handle.workflowId), []);
  });

  it('no decision within the approval timeout refuses the call; a late decision is stale', async () => {
    const handle = await start({
      model,
      tools: ['publish'],
      message: `Publish it. ${call('publish', { title: 'Late', body: 'Too late' })}`,
      conversation: false,
      approvalTimeout: '2 seconds',
    });
    const [pending] = await pendingApprovals(handle);
    assert.equal(Date.parse(pending!.deadline) - Date.parse(pending!.requestedAt), 2000);
    const result = await handle.result();
    assert.equal(
      result.reply,
      replyAfterTools([['publish', 'refused: nobody approved publish within 2 s; it was not run']]),
    );
    assert.deepEqual(publishedBy(handle.workflowId), []);
    const entry = result.transcript.entries.find((e) => e.kind === 'tool');
    assert.equal(entry?.kind === 'tool' && entry.handling, 'timed_out');
  });

  it('a decision for a call that timed out is refused as stale while the conversation goes on', async () => {
    const handle = await start({ model, tools: ['publish'], approvalTimeout: '1 second', idleTimeout: '1 minute' });
    const reply = handle.executeUpdate(sendMessageUpdate, {
      args: [`Publish it. ${call('publish', { title: 'Late', body: 'Too late' })}`],
    });
    const [pending] = await pendingApprovals(handle);
    await reply;
    await rejectsWith(
      handle.executeUpdate(decideApprovalUpdate, { args: [{ callId: pending!.callId, approve: true }] }),
      /no longer pending: it timed out/,
    );
    await handle.executeUpdate(endConversationUpdate);
    await handle.result();
    assert.deepEqual(publishedBy(handle.workflowId), []);
  });

  it('holds a conversation: follow-ups continue the same interaction chain until it is ended', async () => {
    const handle = await start({ model, tools: [], message: 'Hello there', idleTimeout: '1 minute' });
    const second = await handle.executeUpdate(sendMessageUpdate, { args: ['And a follow-up'] });
    assert.equal(second.turn, 2);
    assert.equal(second.reply, replyTo('And a follow-up'));
    const followUp = await ai.interactions.get(second.interactionId);
    const state = await handle.query(agentStateQuery);
    const firstModel = state.transcript.entries.find((e) => e.kind === 'model' && e.turn === 1);
    assert.equal(followUp.previous_interaction_id, firstModel?.kind === 'model' ? firstModel.interactionId : undefined);

    const waits = await handle.query(geminiWaitsQuery);
    assert.deepEqual(
      waits.resolved.map((r) => [r.type, r.resolvedBy]),
      [
        ['interaction.completed', 'webhook'],
        ['interaction.completed', 'webhook'],
      ],
    );
    await rejectsWith(handle.executeUpdate(sendMessageUpdate, { args: ['   '] }), /non-empty text/);
    await handle.executeUpdate(endConversationUpdate);
    await rejectsWith(handle.executeUpdate(sendMessageUpdate, { args: ['too late'] }), /has ended|already completed/i);
    const result = await handle.result();
    assert.equal(result.endedBy, 'request');
    assert.equal(result.turns, 2);
    assert.deepEqual(
      result.transcript.entries.map((e) => [e.kind, e.turn, 'text' in e ? e.text : '']),
      [
        ['user', 1, 'Hello there'],
        ['model', 1, replyTo('Hello there')],
        ['user', 2, 'And a follow-up'],
        ['model', 2, replyTo('And a follow-up')],
      ],
    );
  });

  it('a failed model turn fails only its message; the conversation goes on from the last good answer', async () => {
    const handle = await start({ model, tools: [], message: 'Start', idleTimeout: '1 minute' });
    await rejectsWith(
      handle.executeUpdate(sendMessageUpdate, { args: ['Break [[fail the model is overloaded]]'] }),
      /ended failed: the model is overloaded/,
    );
    const next = await handle.executeUpdate(sendMessageUpdate, { args: ['Still there?'] });
    assert.equal(next.reply, replyTo('Still there?'));
    const state = await handle.query(agentStateQuery);
    const start1 = state.transcript.entries.find((e) => e.kind === 'model' && e.turn === 1);
    const followUp = await ai.interactions.get(next.interactionId);
    assert.equal(followUp.previous_interaction_id, start1?.kind === 'model' ? start1.interactionId : undefined);
    await handle.executeUpdate(endConversationUpdate);
    assert.equal((await handle.result()).turns, 3);
  });

  it('ends a conversation nobody talks to after the idle timeout', async () => {
    const handle = await start({ model, tools: [], message: 'Anyone?', idleTimeout: '2 seconds' });
    const result = await handle.result();
    assert.equal(result.endedBy, 'idle');
    assert.equal(result.reply, replyTo('Anyone?'));
  });

  it('continues as new between turns, carrying the conversation', async () => {
    const handle = await start({
      model,
      tools: [],
      message: 'First',
      idleTimeout: '1 minute',
      continueAsNewAfterEvents: 10,
    });
    const firstRunId = (await handle.describe()).runId;
    await eventually(async () => ((await handle.query(agentStateQuery)).runs >= 2 ? true : undefined), 'a second run');
    const second = await handle.executeUpdate(sendMessageUpdate, { args: ['Second'] });
    assert.equal(second.reply, replyTo('Second'));
    await handle.executeUpdate(endConversationUpdate);
    const result = await handle.result();
    assert.notEqual((await handle.describe()).runId, firstRunId);
    assert.ok(result.runs >= 2, `ran in ${result.runs} runs`);
    assert.equal(result.turns, 2);
    assert.deepEqual(
      result.transcript.entries.map((e) => ('text' in e ? e.text : '')),
      ['First', replyTo('First'), 'Second', replyTo('Second')],
    );
    const followUp = await ai.interactions.get(second.interactionId);
    const first = result.transcript.entries[1]!;
    assert.equal(followUp.previous_interaction_id, first.kind === 'model' ? first.interactionId : undefined);
  });

  it('a long conversation keeps its Gemini resource ids within the search attribute limit', async () => {
    stack.emulator.control.model.setDurations({ interactionMs: 20 });
    try {
      const handle = await start({ model, tools: ['count_words'], idleTimeout: '1 minute' });
      // 60 interaction ids would take about 2.3 KB: over Temporal's 2 KB limit for one search attribute value.
      const turns = 30;
      for (let i = 1; i <= turns; i++) {
        // Without a directive the emulated model calls count_words on the message: two interactions per turn.
        const { reply } = await handle.executeUpdate(sendMessageUpdate, { args: [`message number ${i}`] });
        assert.equal(reply, replyAfterTools([['count_words', { words: 3 }]]));
      }
      const ids = (await handle.describe()).typedSearchAttributes.get(GeminiResourceIds) ?? [];
      assert.ok(ids.length > 0 && ids.length <= 20, `${ids.length} resource ids in the search attribute`);
      await handle.executeUpdate(endConversationUpdate);
      const result = await handle.result();
      assert.equal(result.turns, turns);
      assert.ok(result.runs >= 4, `continued as new ${result.runs - 1} times`);
    } finally {
      stack.emulator.control.model.setDurations({ interactionMs: 200 });
    }
  });

  it('a lost requires_action webhook is covered by the reconciliation backstop', async () => {
    stack.emulator.control.faults.addDeliveryFault({
      kind: 'drop',
      match: { eventType: 'interaction.requires_action' },
    });
    const handle = await start({
      model,
      tools: ['count_words'],
      message: `Count. ${call('count_words', { text: 'lost and found' })}`,
      conversation: false,
      wait: { reconcileAfter: '1 second' },
    });
    const result = await handle.result();
    assert.equal(result.reply, replyAfterTools([['count_words', { words: 3 }]]));
    const waits = await handle.query(geminiWaitsQuery);
    assert.deepEqual(
      waits.resolved.map((r) => [r.type, r.resolvedBy]),
      [
        ['interaction.requires_action', 'reconciliation'],
        ['interaction.completed', 'webhook'],
      ],
    );
  });

  it('duplicated webhooks run each tool call once', async () => {
    stack.emulator.control.faults.addDeliveryFault({ kind: 'duplicate', count: 2, copies: 3 });
    const handle = await start({
      model,
      tools: ['count_words', 'publish'],
      message: `Twice? ${call('count_words', { text: 'once only' })}`,
      conversation: false,
    });
    const result = await handle.result();
    assert.equal(result.reply, replyAfterTools([['count_words', { words: 2 }]]));
    const events = (await handle.fetchHistory()).events ?? [];
    const toolRuns = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runTool');
    assert.equal(toolRuns.length, 1);
    // Each event really was sent four times (the receiver or the workflow dropped the copies).
    const waits = await handle.query(geminiWaitsQuery);
    assert.equal(waits.resolved.length, 2);
    for (const wait of waits.resolved) {
      const [delivery] = stack.emulator.control.inspect.deliveries({
        resourceId: wait.resource.id,
        eventType: wait.type,
      });
      assert.equal(delivery?.attempts.filter((a) => a.duplicate).length, 3);
    }
  });

  it('cancelling the agent cancels the interaction it waits on', async () => {
    const handle = await start({
      model,
      tools: [],
      message: 'Take your time [[duration 600000]]',
      conversation: false,
    });
    const interactionId = await eventually(async () => {
      const state = await handle.query(agentStateQuery);
      return state.phase === 'thinking' ? state.currentInteractionId : undefined;
    }, 'the first interaction');
    await handle.cancel();
    await assert.rejects(handle.result(), WorkflowFailedError);
    assert.equal((await ai.interactions.get(interactionId)).status, 'cancelled');
  });

  it('fails a turn that exceeds the step limit', async () => {
    stack.emulator.control.model.addInteractionRule({
      match: { inputIncludes: 'loop-forever' },
      turns: [{ functionCalls: [{ name: 'count_words', arguments: { text: 'again' } }] }],
    });
    const handle = await start({
      model,
      tools: ['count_words'],
      message: 'loop-forever',
      conversation: false,
      maxStepsPerTurn: 2,
    });
    await assert.rejects(handle.result(), (err: WorkflowFailedError & { cause?: Error & { type?: string } }) => {
      assert.ok(err instanceof WorkflowFailedError);
      assert.equal(err.cause?.type, 'AgentStepLimitExceeded');
      return true;
    });
  });

  it('refuses a tool that is not in the catalog with a clear error', async () => {
    const handle = await start({ model, tools: ['count_words', 'rm_rf'], message: 'hi', conversation: false });
    await assert.rejects(handle.result(), (err: WorkflowFailedError & { cause?: Error }) => {
      assert.match(
        String(err.cause?.message),
        /unknown tool "rm_rf"; the catalog has count_words, lookup_glossary, publish, send_email/,
      );
      return true;
    });
  });

  it('a worker killed during an approved call is replaced and the call takes effect once', async () => {
    const taskQueue = uniqueTaskQueue('agent-kill');
    const holdDir = path.join(stack.dir, `hold-${randomUUID()}`);
    fs.mkdirSync(holdDir);
    fs.writeFileSync(path.join(holdDir, 'publish.hold'), '');
    const env = { ...stack.workerEnv, TEMPORAL_TASK_QUEUE: taskQueue, TEST_TOOL_HOLD_DIR: holdDir };
    const holdingWorker = path.join(__dirname, 'helpers', 'holding-worker.ts');
    const first = spawnWorkerProcess(env, holdingWorker);
    let second: ReturnType<typeof spawnWorkerProcess> | undefined;
    try {
      const doc = { title: 'Crash-safe', body: 'Published exactly once.' };
      const handle = await start(
        { model, tools: ['publish'], message: `Go. ${call('publish', doc)}`, conversation: false },
        taskQueue,
      );
      const [pending] = await pendingApprovals(handle);
      await handle.executeUpdate(decideApprovalUpdate, { args: [{ callId: pending!.callId, approve: true }] });

      // The publication is out, but the worker has not reported the call done: kill it in that window.
      await eventually(async () => (publishedBy(handle.workflowId).length ? true : undefined), 'the publication');
      await first.kill();
      second = spawnWorkerProcess(env, holdingWorker);
      fs.rmSync(path.join(holdDir, 'publish.hold'));

      const result = await handle.result();
      const published = publishedBy(handle.workflowId);
      assert.equal(published.length, 1);
      assert.equal(
        result.reply,
        replyAfterTools([['publish', { published: true, id: published[0]!.id, title: doc.title }]]),
      );
      const attempts = ((await handle.fetchHistory()).events ?? [])
        .map((e) => e.activityTaskStartedEventAttributes?.attempt)
        .filter((a): a is number => typeof a === 'number');
      assert.ok(attempts.includes(2), `the call was retried on the new worker (attempts seen: ${attempts.join(', ')})`);
    } finally {
      await first.kill();
      await second?.kill();
    }
  });
});

describe('agent workflow across a Temporal restart', () => {
  it('an approval still pending when the dev server is killed is honoured after it restarts on its db file', async () => {
    const dbFilename = path.join(testTmpDir(), 'agent-restart.db');
    let server = await startDevServer({ dbFilename });
    const port = Number(server.address.split(':')[1]);
    const stack = await startGeminiStack({ address: server.address, emulator: { durations: { interactionMs: 200 } } });
    try {
      let connection = await Connection.connect({ address: server.address });
      const workflowId = `agent-restart-${randomUUID()}`;
      const doc = { title: 'Survivor', body: 'Published after a server restart.' };
      const started = await new Client({ connection }).workflow.start(agentWorkflow, {
        taskQueue: stack.taskQueue,
        workflowId,
        args: [{ model, tools: ['publish'], message: `Go. ${call('publish', doc)}`, conversation: false }],
      });
      const [pending] = await pendingApprovals(started);
      await connection.close();

      await server.kill();
      server = await startDevServer({ dbFilename, port });

      connection = await Connection.connect({ address: server.address });
      const handle = new Client({ connection }).workflow.getHandle(workflowId);
      assert.deepEqual(
        (await handle.query(pendingApprovalsQuery)).map((p) => p.callId),
        [pending!.callId],
      );
      await handle.executeUpdate(decideApprovalUpdate, { args: [{ callId: pending!.callId, approve: true }] });
      const result = await handle.result();
      const published = listPublications(stack.publishDir).filter((p) => p.idempotencyKey.startsWith(`${workflowId}/`));
      assert.equal(published.length, 1);
      assert.equal(
        result.reply,
        replyAfterTools([['publish', { published: true, id: published[0]!.id, title: doc.title }]]),
      );
      await connection.close();
    } finally {
      await stack.stop();
      await server.stop();
    }
  });
});
