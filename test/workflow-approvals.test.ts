import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GeminiflowClient, InvalidApprovalFilterError } from '../client';
import { argumentsSchema } from '../contract';
import { agentWorkflow } from '../example/agent';
import { listPublications } from '../example/publish-outbox';
import { lookupGlossary, publish } from '../example/tools';
import {
  type AgentInput,
  type ApprovalDecision,
  type ApprovalRecord,
  GeminiPendingApprovals,
  type PendingApproval,
} from '../workflows';
import { approvalRulesAgent, strictTimeoutAgent } from './fixtures/approval-agents';
import { pendingOf, refused } from './helpers/approvals';
import { call, model, replyAfterTools } from './helpers/emulated-model';
import { eventually } from './helpers/eventually';
import { type GeminiStack, startGeminiStack } from './helpers/gemini-stack';
import { spawnWorkerProcess } from './helpers/processes';
import { uniqueTaskQueue } from './helpers/temporal';

type Agent = typeof agentWorkflow;

describe('approvals people can work with (emulator -> receiver -> workflow)', () => {
  let stack: GeminiStack;
  let geminiflow: GeminiflowClient;

  before(async () => {
    stack = await startGeminiStack({ emulator: { durations: { interactionMs: 200 } } });
    geminiflow = new GeminiflowClient(stack.client, { taskQueue: stack.taskQueue });
  });
  after(async () => {
    await geminiflow?.settled();
    await stack.stop();
  });

  // The worker is up: it gets all the time it needs, so a slow machine cannot turn `applied` into `recorded`.
  const decide = (workflowId: string, decision: ApprovalDecision) =>
    geminiflow.decideApproval(workflowId, decision, { workerWaitMs: 60_000 });
  const start = (workflow: Agent, input: AgentInput, taskQueue = stack.taskQueue) =>
    stack.client.workflow.start(workflow, {
      taskQueue,
      workflowId: `approvals-${randomUUID()}`,
      args: [{ model, conversation: false, ...input }],
    });
  const publishedBy = (workflowId: string) =>
    listPublications(stack.publishDir).filter((p) => p.idempotencyKey.startsWith(`${workflowId}/`));

  it('lists the pending calls of three runs across the namespace, by tool and by age', async () => {
    const tools = ['publish', 'lookup_glossary'];
    const doc = { title: 'Listed', body: 'Waiting in a list.' };
    const runs = await Promise.all([
      start(approvalRulesAgent, { tools, message: `One. ${call('publish', doc)}` }),
      start(approvalRulesAgent, {
        tools,
        message: `Two. ${call('publish', doc)} ${call('lookup_glossary', { term: 'webhook' })}`,
      }),
      start(approvalRulesAgent, { tools, message: `Three. ${call('lookup_glossary', { term: 'durable execution' })}` }),
    ]);
    const counts = [1, 2, 1];
    const pending = await Promise.all(runs.map((run, i) => pendingOf(run, counts[i])));
    const ours = <T extends { workflowId: string }>(list: T[]) =>
      list.filter((p) => runs.some((r) => r.workflowId === p.workflowId));

    // The namespace is shared with other test files: only this test's runs are looked at.
    const all = await eventually(async () => {
      const listed = ours(await geminiflow.listPendingApprovals());
      return listed.length === 4 ? listed : undefined;
    }, 'the four pending calls in visibility');
    for (const [i, run] of runs.entries()) {
      const { runId } = await run.describe();
      const listed = all.filter((p) => p.workflowId === run.workflowId);
      assert.deepEqual(
        listed
          .map(({ workflowId: _w, runId: _r, workflowType: _t, source: _s, ...p }) => p)
          .sort((a, b) => a.callId.localeCompare(b.callId)),
        [...pending[i]!].sort((a, b) => a.callId.localeCompare(b.callId)),
      );
      for (const p of listed)
        assert.deepEqual([p.runId, p.workflowType, p.source], [runId, 'approvalRulesAgent', 'worker']);
    }
    const publishCall = all.find((p) => p.tool === 'publish')!;
    assert.deepEqual(publishCall.arguments, doc);
    assert.equal(publishCall.note, publish.note);
    assert.deepEqual(publishCall.decisions, ['approve', 'edit', 'deny']);
    assert.deepEqual(publishCall.argumentsSchema, argumentsSchema(publish));
    assert.equal(publishCall.onTimeout, 'deny');
    const glossaryCall = all.find((p) => p.tool === 'lookup_glossary')!;
    assert.deepEqual(glossaryCall.decisions, ['approve', 'answer', 'deny']);
    assert.deepEqual(glossaryCall.argumentsSchema, argumentsSchema(lookupGlossary));

    // By tool: the visibility query names it, and only its calls come back (also from the run that has both).
    const glossary = await geminiflow.listPendingApprovals({ tool: 'lookup_glossary' });
    assert.ok(glossary.every((p) => p.tool === 'lookup_glossary'));
    assert.deepEqual(
      ours(glossary)
        .map((p) => p.workflowId)
        .sort(),
      [runs[1]!.workflowId, runs[2]!.workflowId].sort(),
    );
    // By age, and one run per page: every page is read.
    assert.deepEqual(ours(await geminiflow.listPendingApprovals({ olderThan: '1 hour' })), []);
    assert.equal(ours(await geminiflow.listPendingApprovals({ olderThan: new Date() })).length, 4);
    assert.equal(ours(await geminiflow.listPendingApprovals({ pageSize: 1 })).length, 4);
    const attrs = (await runs[1]!.describe()).typedSearchAttributes.get(GeminiPendingApprovals);
    assert.deepEqual([...(attrs ?? [])].sort(), ['lookup_glossary', 'publish']);
    await assert.rejects(
      geminiflow.listPendingApprovals({ tool: "x' OR 1=1" }),
      (err) => err instanceof InvalidApprovalFilterError && /invalid tool name/.test(err.message),
    );

    // Decided calls close, and the runs leave the list.
    for (const p of all) await decide(p.workflowId, { callId: p.callId, kind: 'deny', reason: 'listed only' });
    await Promise.all(runs.map((r) => r.result()));
    assert.equal((await runs[1]!.describe()).typedSearchAttributes.get(GeminiPendingApprovals), undefined);
    await eventually(
      async () => (ours(await geminiflow.listPendingApprovals()).length === 0 ? true : undefined),
      'an empty list',
    );
  });

  it('approve, edit, deny and answer, each refused when ill-formed or not allowed, each in the audit record', async () => {
    const draft = { title: 'Draft title', body: 'Draft body.' };
    const asIs = { title: 'As is', body: 'Approved as proposed.' };
    const offTopic = { title: 'Off topic', body: 'Not for this channel.' };
    const handle = await start(approvalRulesAgent, {
      tools: ['publish', 'lookup_glossary'],
      message: `Four calls. ${call('publish', draft)} ${call('publish', asIs)} ${call('publish', offTopic)} ${call('lookup_glossary', { term: 'flux capacitor' })}`,
    });
    const [edited, approved, denied, answered] = await pendingOf(handle, 4);
    const id = handle.workflowId;
    const record = async (callId: string): Promise<ApprovalRecord> =>
      (await geminiflow.approvalLog(id)).find((r) => r.callId === callId)!;
    assert.deepEqual(
      (await geminiflow.approvalLog(id)).map((r) => r.status),
      ['pending', 'pending', 'pending', 'pending'],
    );

    await refused(
      decide(id, { callId: edited!.callId, kind: 'edit', arguments: { title: '', body: 7 } }),
      /^the edited arguments do not fit publish: title: .*>=1 characters; body: Invalid input: expected string, received number$/,
    );
    await refused(decide(id, { callId: edited!.callId, kind: 'edit' } as never), /an edit needs arguments/);
    await refused(decide(id, { callId: edited!.callId, kind: 'maybe' } as never), /unknown kind of decision "maybe"/);
    const fixed = { title: 'Final title', body: 'Draft body.' };
    const decidedEdit = await decide(id, {
      callId: edited!.callId,
      kind: 'edit',
      arguments: fixed,
      reviewer: 'ana',
    });
    assert.equal(decidedEdit.state, 'applied');
    if (decidedEdit.state === 'applied') {
      assert.deepEqual([decidedEdit.kind, decidedEdit.approved, decidedEdit.argumentsUsed], ['edit', true, fixed]);
    }
    // One reading: the tool may finish (and add its outcome) between two.
    const editRecord = await record(edited!.callId);
    assert.deepEqual(
      [editRecord.status, editRecord.reviewer, editRecord.argumentsProposed, editRecord.argumentsUsed],
      ['edited', 'ana', draft, fixed],
    );
    await refused(decide(id, { callId: edited!.callId, kind: 'approve' }), /already edited/);

    await decide(id, { callId: approved!.callId, kind: 'approve', reviewer: 'ana' });
    assert.equal((await record(approved!.callId)).status, 'approved');

    await refused(
      decide(id, { callId: denied!.callId, kind: 'answer', result: 'done' }),
      /^publish allows approve, edit, deny; not answer$/,
    );
    await refused(decide(id, { callId: denied!.callId, kind: 'deny' } as never), /a denial needs a reason/);
    await decide(id, { callId: denied!.callId, kind: 'deny', reason: 'off topic', reviewer: 'ben' });
    assert.deepEqual(
      [
        (await record(denied!.callId)).status,
        (await record(denied!.callId)).reason,
        (await record(denied!.callId)).reviewer,
      ],
      ['denied', 'off topic', 'ben'],
    );

    const definition = { term: 'flux capacitor', definition: 'What makes time travel possible.' };
    await refused(
      decide(id, { callId: answered!.callId, kind: 'edit', arguments: { term: 'x' } }),
      /^lookup_glossary allows approve, answer, deny; not edit$/,
    );
    await decide(id, {
      callId: answered!.callId,
      kind: 'answer',
      result: definition,
      reviewer: 'cy',
    });
    assert.deepEqual((await record(answered!.callId)).answer, definition);

    const result = await handle.result();
    const published = publishedBy(id);
    assert.deepEqual(published.map((p) => p.title).sort(), ['As is', 'Final title']);
    const idOf = (title: string) => published.find((p) => p.title === title)!.id;
    const editedResult = { published: true, id: idOf('Final title'), title: 'Final title' };
    assert.equal(
      result.reply,
      replyAfterTools([
        [
          'publish',
          {
            note: 'A person edited the arguments before the tool ran.',
            proposedArguments: draft,
            usedArguments: fixed,
            result: editedResult,
          },
        ],
        ['publish', { published: true, id: idOf('As is'), title: 'As is' }],
        ['publish', 'denied by ben: off topic; it was not run'],
        ['lookup_glossary', definition],
      ]),
    );
    assert.deepEqual(
      result.transcript.entries.flatMap((e) =>
        e.kind === 'tool' ? [[e.handling, e.arguments, e.argumentsProposed]] : [],
      ),
      [
        ['edited', fixed, draft],
        ['approved', asIs, undefined],
        ['denied', offTopic, undefined],
        ['answered', { term: 'flux capacitor' }, undefined],
      ],
    );

    // The audit record, with what each tool then did.
    const log = await geminiflow.approvalLog(id);
    assert.deepEqual(
      log.map(({ status, reviewer, argumentsUsed, answer, outcome }) => ({
        status,
        reviewer,
        argumentsUsed,
        answer,
        outcome,
      })),
      [
        {
          status: 'edited',
          reviewer: 'ana',
          argumentsUsed: fixed,
          answer: undefined,
          outcome: { isError: false, result: editedResult },
        },
        {
          status: 'approved',
          reviewer: 'ana',
          argumentsUsed: asIs,
          answer: undefined,
          outcome: { isError: false, result: { published: true, id: idOf('As is'), title: 'As is' } },
        },
        { status: 'denied', reviewer: 'ben', argumentsUsed: undefined, answer: undefined, outcome: undefined },
        { status: 'answered', reviewer: 'cy', argumentsUsed: undefined, answer: definition, outcome: undefined },
      ],
    );
    for (const r of log) {
      assert.ok(Date.parse(r.decidedAt!) >= Date.parse(r.requestedAt), 'decided after it was requested');
      assert.equal(Date.parse(r.deadline!) - Date.parse(r.requestedAt), 3_600_000, "the agent's default timeout");
    }

    // Seven refusals, four decisions: only the four reached history.
    const events = (await handle.fetchHistory()).events ?? [];
    assert.equal(events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length, 4);
    await refused(decide(id, { callId: approved!.callId, kind: 'approve' }), /already approved|completed/);
  });

  it('a tool times out by its own rule: approved on timeout after a reminder, or refused', async () => {
    const lenient = await start(approvalRulesAgent, {
      tools: ['count_words'],
      approvalTimeout: '1 hour',
      message: `Count. ${call('count_words', { text: 'nobody looked at this' })}`,
    });
    const strict = await start(strictTimeoutAgent, {
      tools: ['count_words'],
      approvalTimeout: '1 hour',
      message: `Count. ${call('count_words', { text: 'nobody looked' })}`,
    });
    const [lenientCall] = await pendingOf(lenient);
    const [strictCall] = await pendingOf(strict);
    const span = (p: PendingApproval, at: string) => Date.parse(at) - Date.parse(p.requestedAt);
    assert.deepEqual(
      [span(lenientCall!, lenientCall!.deadline), span(lenientCall!, lenientCall!.remindAt!)],
      [3000, 1500],
    );
    assert.deepEqual([span(strictCall!, strictCall!.deadline), span(strictCall!, strictCall!.remindAt!)], [2000, 1000]);
    assert.deepEqual([lenientCall!.onTimeout, strictCall!.onTimeout], ['approve', 'deny']);

    const [ranAnyway, refusedInTime] = await Promise.all([lenient.result(), strict.result()]);
    assert.equal(ranAnyway.reply, replyAfterTools([['count_words', { words: 4 }]]));
    assert.equal(
      refusedInTime.reply,
      replyAfterTools([['count_words', 'refused: nobody approved count_words within 2 s; it was not run']]),
    );
    const handlingOf = (r: typeof ranAnyway) =>
      r.transcript.entries.flatMap((e) => (e.kind === 'tool' ? [e.handling] : []));
    assert.deepEqual([handlingOf(ranAnyway), handlingOf(refusedInTime)], [['approved_on_timeout'], ['timed_out']]);

    const [lenientLog] = await geminiflow.approvalLog(lenient.workflowId);
    assert.equal(lenientLog!.status, 'timed_out');
    assert.deepEqual(lenientLog!.argumentsUsed, { text: 'nobody looked at this' });
    assert.deepEqual(lenientLog!.outcome, { isError: false, result: { words: 4 } });
    assert.equal(lenientLog!.decidedAt, undefined);
    const [strictLog] = await geminiflow.approvalLog(strict.workflowId);
    assert.deepEqual(
      [strictLog!.status, strictLog!.argumentsUsed, strictLog!.outcome],
      ['timed_out', undefined, undefined],
    );
    await refused(
      decide(strict.workflowId, { callId: strictCall!.callId, kind: 'approve' }),
      /no longer pending: it timed out|completed/,
    );
  });

  it('a worker killed between the decision and the tool run: the tool runs once, and the record says what it did', async () => {
    const taskQueue = uniqueTaskQueue('approval-kill');
    const holdDir = path.join(stack.dir, `hold-${randomUUID()}`);
    fs.mkdirSync(holdDir);
    fs.writeFileSync(path.join(holdDir, 'publish.hold'), '');
    const env = {
      ...stack.workerEnv,
      TEMPORAL_TASK_QUEUE: taskQueue,
      TEST_TOOL_HOLD_DIR: holdDir,
      TEST_TOOL_HOLD_BEFORE: '1',
    };
    const holdingWorker = path.join(__dirname, 'helpers', 'holding-worker.ts');
    const first = spawnWorkerProcess(env, holdingWorker);
    let second: ReturnType<typeof spawnWorkerProcess> | undefined;
    try {
      const doc = { title: 'Decided, then a crash', body: 'Edited before the crash.' };
      const handle = await start(
        agentWorkflow,
        { tools: ['publish'], message: `Go. ${call('publish', { ...doc, title: 'x' })}` },
        taskQueue,
      );
      const [pending] = await pendingOf(handle);
      await decide(handle.workflowId, {
        callId: pending!.callId,
        kind: 'edit',
        arguments: doc,
        reviewer: 'ana',
      });

      // The tool's activity has started on the first worker and holds before doing anything: kill it there.
      await eventually(async () => {
        const events = (await handle.fetchHistory()).events ?? [];
        return events.some((e) => e.activityTaskStartedEventAttributes) ? true : undefined;
      }, 'the tool run to start');
      await first.kill();
      assert.deepEqual(publishedBy(handle.workflowId), [], 'nothing was published before the crash');
      second = spawnWorkerProcess(env, holdingWorker);
      fs.rmSync(path.join(holdDir, 'publish.hold'));

      await handle.result();
      const published = publishedBy(handle.workflowId);
      assert.deepEqual(
        published.map((p) => p.title),
        [doc.title],
      );
      const [entry] = await geminiflow.approvalLog(handle.workflowId);
      assert.deepEqual(
        [entry!.status, entry!.argumentsUsed, entry!.outcome],
        ['edited', doc, { isError: false, result: { published: true, id: published[0]!.id, title: doc.title } }],
      );
      const attempts = ((await handle.fetchHistory()).events ?? [])
        .map((e) => e.activityTaskStartedEventAttributes?.attempt)
        .filter((a): a is number => typeof a === 'number');
      assert.ok(attempts.includes(2), `the tool ran again on the new worker (attempts seen: ${attempts.join(', ')})`);
    } finally {
      await first.kill();
      await second?.kill();
    }
  });
});
