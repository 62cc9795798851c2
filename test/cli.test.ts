import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Connection } from '@temporalio/client';
import type { Command } from 'commander';
import { geminiflowProgram } from '../cli/geminiflow';
import type { ApprovalRecord, PendingApprovalOfRun } from '../workflows';
import { reviewAgent } from './fixtures/console/review-agent';
import { registerFreshNamespace } from './helpers/deploy';
import { eventually } from './helpers/eventually';
import { type CliRun, geminiflow, type OperatorStack, startOperatorStack } from './helpers/operator-stack';
import { testTmpDir } from './helpers/temporal';

/** Every command of the program, subcommands included. */
function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}

function helpOf(cmd: Command): string {
  let text = '';
  cmd.configureOutput({ writeOut: (s) => (text += s) });
  cmd.outputHelp();
  return text;
}

/** A failure a person reads: one line on stderr, no stack trace. */
function assertOneLine(run: CliRun, code: number, pattern: RegExp) {
  assert.equal(run.code, code, `${run.stdout}${run.stderr}`);
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines.length, 1, run.stderr);
  assert.match(lines[0]!, /^geminiflow: /);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(run.stderr, /\n\s+at /);
}

describe('geminiflow CLI against the real stack (dev server, emulator, receiver, worker)', () => {
  let stack: OperatorStack;
  const cli = (...args: string[]) => geminiflow(args, stack.env);
  const json = async <T>(...args: string[]): Promise<T> => {
    const run = await cli(...args, '--json');
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout) as T;
  };
  const pendingCall = (workflowId: string) =>
    eventually(
      async () => {
        const pending = await json<PendingApprovalOfRun[]>('pending');
        return pending.find((p) => p.workflowId === workflowId);
      },
      `a pending call of ${workflowId}`,
      60_000,
    );

  before(async () => {
    stack = await startOperatorStack({ receiver: { mailboxLookupTimeoutMs: 1500 } });
  });
  after(async () => {
    await stack?.stop();
  });

  it('every command has --help with an example; bad usage exits 2, failures exit 1, each in one line', async () => {
    const commands = allCommands(geminiflowProgram());
    assert.ok(commands.length >= 25, `only ${commands.length} commands`);
    for (const cmd of commands)
      assert.match(helpOf(cmd), /\nExamples?:\n {2}\$ /, `${cmd.name()} --help has no example`);

    const help = await cli('approve', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Examples?:\n {2}\$ geminiflow approve /);

    assertOneLine(await cli('lsit'), 2, /unknown command 'lsit'/);
    assertOneLine(await cli('start', 'wait', 'operation', 'x'), 2, /Allowed choices are batch, interaction/);
    assertOneLine(await cli('approve', 'wf', 'call', '--args', '{not json'), 2, /--args is not valid JSON/);
    assertOneLine(await cli('deny', 'wf', 'call'), 2, /required option '--reason <text>'/);
    assertOneLine(await cli('list', '--type', "x' OR 1=1"), 2, /is not a workflow type name/);
    assertOneLine(await cli('pending', '--tool', "x' OR 1=1"), 2, /invalid tool name/);
    assertOneLine(await cli('pending', '--older-than', 'a while'), 2, /invalid duration a while/);
    assertOneLine(await cli('status', 'no-such-run'), 1, /no run with workflow id no-such-run/);
    assertOneLine(
      await geminiflow(['list'], { ...stack.env, TEMPORAL_ADDRESS: '127.0.0.1:1' }),
      1,
      /cannot reach Temporal at 127\.0\.0\.1:1/,
    );

    // Temporal's own words, not the SDK's "Failed to query Workflow" / "Failed to list workflows".
    const orphanQueue = `nobody-polls-${Date.now()}`;
    assert.equal(
      (await cli('--task-queue', orphanQueue, 'start', 'deep-research', 'x', '--id', 'cli-orphan-1')).code,
      0,
    );
    assertOneLine(
      await cli('status', 'cli-orphan-1'),
      1,
      new RegExp(`run cli-orphan-1 .*the run's worker is not polling task queue ${orphanQueue}\\. Start it`),
    );
    await stack.client.workflow.getHandle('cli-orphan-1').terminate('test over');
    const bare = await registerFreshNamespace(stack.client.connection as Connection);
    assertOneLine(
      await cli('--namespace', bare, 'list', '--waiting'),
      1,
      new RegExp(
        `Temporal at ${stack.temporal.address.replace(/\./g, '\\.')} refused: INVALID_ARGUMENT: .*GeminiWaitingFor.*start a worker with GeminiflowPlugin`,
      ),
    );
  });

  it('start deep-research, batch and video print the workflow id; result, status and list show them', async () => {
    const research = await cli('start', 'deep-research', 'tidal energy', '--id', 'cli-research-1');
    assert.equal(research.code, 0, research.stderr);
    assert.equal(research.stdout.trim(), 'cli-research-1');
    const report = await json<{ topic: string; sources: unknown[]; resolvedBy: string }>('result', 'cli-research-1');
    assert.equal(report.topic, 'tidal energy');
    assert.ok(report.sources.length > 0);

    const status = await cli('status', 'cli-research-1');
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /run {8}cli-research-1 \(deepResearch\), COMPLETED/);
    assert.match(status.stdout, /earlier {4}interaction\.completed on interaction \S+: by webhook after \d+ ms/);

    const batchId = (
      await cli('start', 'batch', '--prompt', 'What is a webhook?', '--prompt', 'What is Temporal?')
    ).stdout.trim();
    assert.match(batchId, /^batch-[0-9a-f]{8}$/);
    const batch = await json<{ state: string; counts: { total: number; succeeded: number } }>('result', batchId);
    assert.deepEqual([batch.state, batch.counts.total, batch.counts.succeeded], ['succeeded', 2, 2]);

    const videoId = (await cli('start', 'video', 'a lighthouse at dusk', '--aspect-ratio', '16:9')).stdout.trim();
    const video = await json<{ mimeType: string; sizeBytes: number }>('result', videoId);
    assert.match(video.mimeType, /^video\//);
    assert.ok(video.sizeBytes > 0);

    const empty = (await cli('start', 'deep-research', ' ')).stdout.trim();
    assertOneLine(await cli('result', empty), 1, new RegExp(`run ${empty} failed: a Deep Research topic is required`));

    const listed = await json<{ workflowId: string; type: string; status: string }[]>('list', '--type', 'deepResearch');
    assert.ok(listed.some((r) => r.workflowId === 'cli-research-1' && r.status === 'COMPLETED'));
    const table = await cli('list');
    assert.match(table.stdout, new RegExp(`^${batchId} +batchPrompts +COMPLETED`, 'm'));
  });

  it('start wait follows a job started elsewhere; status and list --waiting show what it waits for and since when', async () => {
    // A job started outside geminiflow, slow enough to be seen waiting (the emulator's clock runs 30x).
    const job = await stack.ai.interactions.create({
      model: 'gemini-flash-latest',
      input: 'Hello [[duration 600000]]',
      background: true,
    });
    const started = await cli(
      'start',
      'wait',
      'interaction',
      job.id!,
      '--until',
      'interaction.completed',
      '--id',
      'cli-waiter-1',
    );
    assert.equal(started.code, 0, started.stderr);

    const waiting = await eventually(async () => {
      const runs = await json<{ workflowId: string; waitingFor?: string; waitingSince?: string }[]>(
        'list',
        '--waiting',
      );
      return runs.find((r) => r.workflowId === 'cli-waiter-1' && r.waitingFor);
    }, 'the waiter in list --waiting');
    assert.equal(waiting.waitingFor, `interaction:${job.id}`);
    assert.ok(waiting.waitingSince);
    const status = await cli('status', 'cli-waiter-1');
    assert.match(
      status.stdout,
      new RegExp(`waits for  interaction\\.completed on interaction ${job.id} since \\S+ \\(`),
    );

    const result = await json<{ event: { type: string; resourceId: string } }>('result', 'cli-waiter-1');
    assert.deepEqual([result.event.type, result.event.resourceId], ['interaction.completed', job.id]);
  });

  it('pending, approve with edited arguments, deny, answer and log decide calls and keep who did what', async () => {
    await stack.startReview('cli-review-edit', { title: 'Q3 numbers', body: 'Revenue grew.' });
    await stack.startReview('cli-review-deny', { title: 'Layoffs', body: 'Draft.' });
    await stack.startReview('cli-review-answer', { title: 'Old post', body: 'Already out.' });
    const edit = await pendingCall('cli-review-edit');
    const deny = await pendingCall('cli-review-deny');
    const answer = await pendingCall('cli-review-answer');
    assert.deepEqual(edit.decisions, ['approve', 'edit', 'deny', 'answer']);

    const table = await cli('pending', '--tool', 'publish_post');
    assert.match(table.stdout, new RegExp(`^cli-review-edit +${edit.callId} +publish_post `, 'm'));
    assert.deepEqual(await json('pending', '--tool', 'no_such_tool'), []);

    // The run checks an edit against the tool's schema, and refuses what does not fit.
    assertOneLine(
      await cli('approve', 'cli-review-edit', edit.callId, '--args', '{"title":"","body":"x"}'),
      1,
      /title/,
    );
    const file = path.join(testTmpDir(), 'args.json');
    fs.writeFileSync(file, JSON.stringify({ title: 'Q3 numbers, checked', body: 'Revenue grew 4%.' }));
    const approved = await cli(
      'approve',
      'cli-review-edit',
      edit.callId,
      '--args',
      `@${file}`,
      '--reviewer',
      'carol',
      '--reason',
      'fixed the figure',
      // The worker is up: however slow this machine is, the decision applies (exit 0) rather than being recorded.
      '--wait',
      '60s',
    );
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(approved.stdout, /approved with edited arguments by carol/);
    assertOneLine(await cli('approve', 'cli-review-edit', edit.callId), 1, /already/);

    const denied = await cli(
      'deny',
      'cli-review-deny',
      deny.callId,
      '--reason',
      'not before the all-hands',
      '--reviewer',
      'dave',
      '--wait',
      '60s',
    );
    assert.equal(denied.code, 0, denied.stderr);
    const answered = await cli(
      'answer',
      'cli-review-answer',
      answer.callId,
      '{"published":"by hand, yesterday"}',
      '--reviewer',
      'erin',
      '--wait',
      '60s',
    );
    assert.equal(answered.code, 0, answered.stderr);

    for (const id of ['cli-review-edit', 'cli-review-deny', 'cli-review-answer'])
      await stack.client.workflow.getHandle(id).result();
    assert.deepEqual(stack.published, [{ title: 'Q3 numbers, checked', body: 'Revenue grew 4%.' }]);

    const [editLog] = await json<ApprovalRecord[]>('log', 'cli-review-edit');
    assert.equal(editLog!.status, 'edited');
    assert.equal(editLog!.reviewer, 'carol');
    assert.equal(editLog!.reason, 'fixed the figure');
    assert.deepEqual(editLog!.argumentsUsed, { title: 'Q3 numbers, checked', body: 'Revenue grew 4%.' });
    const [denyLog] = await json<ApprovalRecord[]>('log', 'cli-review-deny');
    assert.deepEqual(
      [denyLog!.status, denyLog!.reviewer, denyLog!.reason],
      ['denied', 'dave', 'not before the all-hands'],
    );
    const [answerLog] = await json<ApprovalRecord[]>('log', 'cli-review-answer');
    assert.deepEqual(
      [answerLog!.status, answerLog!.reviewer, answerLog!.answer],
      ['answered', 'erin', { published: 'by hand, yesterday' }],
    );
    const logTable = await cli('log', 'cli-review-deny');
    assert.match(logTable.stdout, new RegExp(`^${deny.callId} +publish_post +denied +dave `, 'm'));
    // Without --json: the arguments proposed, an edit's changes field by field, and an answer.
    assert.match(logTable.stdout, / {2}ARGUMENTS$/m);
    assert.match(logTable.stdout, /not before the all-hands +- +\{"title":"Layoffs","body":"Draft\."\}$/m);
    const editTable = await cli('log', 'cli-review-edit');
    assert.match(
      editTable.stdout,
      /edited title: "Q3 numbers" → "Q3 numbers, checked"; body: "Revenue grew\." → "Revenue grew 4%\."$/m,
    );
    const answerTable = await cli('log', 'cli-review-answer');
    assert.match(answerTable.stdout, / answered \{"published":"by hand, yesterday"\} +\{"title":"Old post"/);
  });

  it('send talks to a conversational agent and end ends it', async () => {
    await stack.client.workflow.start(reviewAgent, {
      taskQueue: stack.taskQueue,
      workflowId: 'cli-conversation',
      // No tools offered: the emulated model answers in text instead of calling one.
      args: [{ tools: [], message: 'Hello there.' }],
    });
    const reply = await json<{ turn: number; reply: string }>('send', 'cli-conversation', 'And how are you?');
    assert.equal(reply.turn, 2);
    assert.ok(reply.reply.length > 0);
    const text = await cli('send', 'cli-conversation', 'One more thing.');
    assert.equal(text.code, 0, text.stderr);
    assert.ok(text.stdout.trim().length > 0);
    const ended = await cli('end', 'cli-conversation');
    assert.equal(ended.code, 0, ended.stderr);
    const result = await stack.client.workflow.getHandle('cli-conversation').result();
    assert.deepEqual([result.endedBy, result.turns], ['request', 3]);
  });

  it('start agent runs your agent workflow with a message and tools; bad flags exit 2; an unknown tool fails the run, naming it', async () => {
    assertOneLine(
      await cli('start', 'agent', '--type', 'reviewAgent', '--no-conversation'),
      2,
      /--no-conversation needs a message/,
    );
    assertOneLine(
      await cli('start', 'agent', '--type', 'reviewAgent', 'Hi.', '--approval-timeout', 'soon'),
      2,
      /"soon" is not a duration/,
    );
    assertOneLine(
      await cli('start', 'agent', '--type', 'reviewAgent', 'Hi.', '--tool', 'two words'),
      2,
      /"two words" is not a tool name/,
    );
    assertOneLine(await cli('start', 'agent', 'Hi.'), 2, /required option '--type <workflowType>'/);

    const post = { title: 'From the command line', body: 'Started by hand.' };
    const started = await cli(
      'start',
      'agent',
      '--type',
      'reviewAgent',
      `Post this. [[call publish_post ${JSON.stringify(post)}]]`,
      '--tool',
      'publish_post',
      '--no-conversation',
      '--approval-timeout',
      '10m',
      '--id',
      'cli-agent-1',
    );
    assert.equal(started.code, 0, started.stderr);
    assert.equal(started.stdout.trim(), 'cli-agent-1');
    const call = await pendingCall('cli-agent-1');
    assert.deepEqual([call.tool, call.arguments], ['publish_post', post]);
    assert.equal(Date.parse(call.deadline) - Date.parse(call.requestedAt), 10 * 60_000, 'its approval timeout');
    const approved = await cli('approve', 'cli-agent-1', call.callId, '--reviewer', 'frank');
    assert.equal(approved.code, 0, approved.stderr);
    const result = await json<{ endedBy: string; turns: number }>('result', 'cli-agent-1');
    assert.deepEqual([result.endedBy, result.turns], ['answered', 1]);
    assert.ok(stack.published.some((p) => p.title === post.title));

    const conversation = await json<{ workflowId: string }>(
      'start',
      'agent',
      '--type',
      'reviewAgent',
      'Hello there.',
      '--id',
      'cli-agent-talk',
    );
    assert.equal(conversation.workflowId, 'cli-agent-talk');
    const reply = await json<{ turn: number }>('send', 'cli-agent-talk', 'And now?');
    assert.equal(reply.turn, 2, 'a conversation by default: it takes follow-ups');
    assert.equal((await cli('end', 'cli-agent-talk')).code, 0);

    const unknown = await cli('start', 'agent', '--type', 'reviewAgent', 'Hi.', '--tool', 'no_such_tool');
    assert.match(unknown.stdout.trim(), /^agent-[0-9a-f]{8}$/);
    assertOneLine(
      await cli('result', unknown.stdout.trim()),
      1,
      /unknown tool "no_such_tool"; the catalog has publish_post/,
    );
  });

  it('deadletters list, show and replay: an event nobody owned reaches the run it is replayed to', async () => {
    // A job nobody waits for: its event ends up as a dead letter once the receiver's mailbox gives up looking.
    const job = await stack.ai.interactions.create({
      model: 'gemini-flash-latest',
      input: 'Nobody waits for this',
      background: true,
    });
    type Letter = { webhookId: string; resourceId: string; reason: string; state: string; eventType: string };
    const letter = await eventually(
      async () => {
        const letters = await json<Letter[]>('deadletters', 'list');
        return letters.find((l) => l.resourceId === job.id);
      },
      'the dead letter',
      60_000,
    );
    assert.deepEqual(
      [letter.reason, letter.state, letter.eventType],
      ['owner_not_found', 'pending', 'interaction.completed'],
    );

    const shown = await json<Letter & { event: { type: string } }>('deadletters', 'show', letter.webhookId);
    assert.equal(shown.event.type, 'interaction.completed');
    const text = await cli('deadletters', 'show', letter.webhookId);
    assert.match(text.stdout, /reason {5}owner_not_found/);

    assertOneLine(await cli('deadletters', 'replay', letter.webhookId), 1, /pass --to/);
    assertOneLine(
      await cli('deadletters', 'show', 'msg_nothing-here'),
      1,
      /no dead letter for webhook-id msg_nothing-here/,
    );
    await cli('start', 'wait', 'interaction', job.id!, '--id', 'cli-adopter');
    const replayed = await cli('deadletters', 'replay', letter.webhookId, '--to', 'cli-adopter');
    assert.equal(replayed.code, 0, replayed.stderr);
    assert.match(
      replayed.stdout,
      new RegExp(`replayed ${letter.webhookId} \\(interaction\\.completed ${job.id}\\) to cli-adopter`),
    );
    const result = await json<{ event: { webhookId: string; via: string } }>('result', 'cli-adopter');
    assert.deepEqual([result.event.webhookId, result.event.via], [letter.webhookId, 'replay']);
    const all = await json<Letter[]>('deadletters', 'list', '--all');
    assert.equal(all.find((l) => l.webhookId === letter.webhookId)?.state, 'replayed');
  });
});
