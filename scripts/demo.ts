import path from 'node:path';
import { Command } from 'commander';
import { GeminiflowClient } from '../client';
import { runMain } from '../common/errors';
import { logger } from '../common/logger';
import { toolsDir } from '../common/paths';
import {
  briefWorkflowId,
  pipelineStatusQuery,
  researchBriefPipeline,
  type ResearchBriefResult,
} from '../example/research-brief-pipeline';
import { exampleTools } from '../example/tool-implementations';
import { type InteractionRule, startLocalStack } from '../testing';

/**
 * `npm run demo`: the flagship pipeline end to end on this machine. Deep Research, a fan-out of notes on its sources, a
 * batch of follow-ups, then an agent that writes a brief and asks a person before it publishes; this script plays that
 * person.
 */
const program = new Command()
  .name('demo')
  .option('--topic <text>', 'what to research', 'durable execution for long-running AI agents')
  .option('--follow-ups <n>', 'follow-up questions asked as one batch', (v) => Number.parseInt(v, 10), 3)
  .option('--deny', 'deny the publish request instead of approving it')
  .option('--time-scale <n>', 'emulator speed-up: emulated ms per real ms', (v) => Number(v), 30)
  .parse();
const opts = program.opts<{ topic: string; followUps: number; deny?: boolean; timeScale: number }>();

const say = (line: string) => process.stdout.write(`${line}\n`);

runMain(async () => {
  say('starting Temporal, the Gemini emulator, the receiver and a worker ...');
  const stack = await startLocalStack({
    temporal: process.env.TEMPORAL_ADDRESS
      ? { address: process.env.TEMPORAL_ADDRESS, namespace: process.env.TEMPORAL_NAMESPACE }
      : { dbFilename: path.join(toolsDir, 'data', 'demo-temporal.db') },
    // The emulator runs its clock fast; webhook timestamps stay on real time so the receiver's 5-minute check holds.
    emulator: process.env.GEMINI_API_KEY ? false : { timeScale: opts.timeScale, webhookTimestampClock: 'real' },
    webhooks: 'both',
    worker: { workflowsPath: require.resolve('../example/workflows'), tools: [exampleTools()] },
    logger: logger.child({}, { level: 'warn' }),
  });
  const geminiflow = new GeminiflowClient(stack.client, { taskQueue: stack.taskQueue });
  try {
    say(`  Temporal ${stack.temporal.address}, receiver ${stack.receiver.url}`);
    say(stack.emulator ? `  Gemini emulator ${stack.emulator.baseUrl} (x${opts.timeScale} speed)` : '  real Gemini API');
    // The emulator's model is deterministic; script the brief-writer to act as a real model would with these tools.
    stack.emulator?.control.model.addInteractionRule(briefWriterScript(opts.topic));

    const workflowId = `research-brief-${Date.now()}`;
    say(`\nrunning researchBriefPipeline as ${workflowId} on "${opts.topic}"`);
    const handle = await stack.client.workflow.start(researchBriefPipeline, {
      taskQueue: stack.taskQueue,
      workflowId,
      args: [{ topic: opts.topic, followUps: opts.followUps, approvalTimeout: '10 minutes' }],
    });

    let stage = '';
    const done = handle.result();
    let finished = false;
    void done.then(
      () => (finished = true),
      () => (finished = true),
    );
    let decided = false;
    let fanOutLine = '';
    while (!finished) {
      const status = await handle.query(pipelineStatusQuery).catch(() => undefined);
      if (status && status.stage !== stage) {
        stage = status.stage;
        say(`  stage: ${stage}`);
      }
      if (status && stage === 'sources') fanOutLine = await showFanOut(geminiflow, status.children.sources, fanOutLine);
      if (!decided && stage === 'brief') decided = await decideOnPublish(geminiflow, briefWorkflowId(workflowId));
      await new Promise((r) => setTimeout(r, 300));
    }
    const result = await done;
    printResult(result);
    await printHowWaitsEnded(geminiflow, workflowId);

    if (stack.emulator) {
      const deliveries = stack.emulator.control.inspect.deliveries();
      const calls = stack.emulator.control.inspect.calls();
      const polls = (calls.bySdkMethod['interactions.get'] ?? 0) + (calls.bySdkMethod['batches.get'] ?? 0);
      say(
        `\nwebhooks: ${deliveries.filter((d) => d.status === 'delivered').length} delivered and verified; ` +
          `Gemini API calls: ${calls.total} (status reads: ${polls}, no polling loop)`,
      );
    }
  } finally {
    await stack.stop();
  }
});

function briefWriterScript(topic: string): InteractionRule {
  const title = `Brief: ${topic}`;
  const body = `What the team should know about ${topic}, from the research report and the follow-up answers.`;
  return {
    match: { toolName: 'publish' },
    turns: [
      { functionCalls: [{ name: 'count_words', arguments: { text: body } }] },
      { functionCalls: [{ name: 'publish', arguments: { title, body } }] },
      { text: `The brief "${title}" is written and went through publish.` },
    ],
  };
}

async function decideOnPublish(geminiflow: GeminiflowClient, briefId: string): Promise<boolean> {
  const pending = await geminiflow.pendingApprovals(briefId).catch(() => []);
  const call = pending.find((p) => p.tool === 'publish');
  if (!call) return false;
  say(`  the agent asks to call publish(${JSON.stringify(call.arguments).slice(0, 120)}) and waits for a person`);
  const approve = !opts.deny;
  await geminiflow.decideApproval(briefId, {
    callId: call.callId,
    approve,
    reviewer: 'demo',
    reason: approve ? undefined : 'denied in the demo',
  });
  say(`  decision sent as a Temporal Update: ${approve ? 'approved' : 'denied'}`);
  return true;
}

/** The fan-out's progress as it changes: the same counts `geminiflow status` and the GeminiFanOutProgress attribute show. */
async function showFanOut(geminiflow: GeminiflowClient, fanOutId: string, last: string): Promise<string> {
  const [progress] = await geminiflow.fanOutProgress(fanOutId).catch(() => []);
  if (!progress) return last;
  const line = `  sources fan-out: done ${progress.done}, running ${progress.running}, failed ${progress.failed}, left ${progress.left} of ${progress.total}`;
  if (line !== last) say(line);
  return line;
}

function printResult(result: ResearchBriefResult) {
  say('\n=== result ===');
  say(`research report: ${result.report.markdown.split('\n')[0]} (${result.report.sources.length} sources)`);
  if (result.sourceNotes) {
    const { done, failed, total } = result.sourceNotes.counts;
    say(`source notes: ${done}/${total} done, ${failed} failed (one Gemini job per source, ${result.sourceNotes.window.max} at a time)`);
  }
  if (result.followUps.state === 'succeeded') {
    const { total, succeeded, failed } = result.followUps.counts;
    say(`follow-up batch: ${succeeded}/${total} answered, ${failed} failed`);
  } else {
    say(`follow-up batch: ${result.followUps.state}`);
  }
  say(`brief (${result.brief.turns} turn(s)): ${result.brief.reply.slice(0, 300)}`);
  say(result.published ? `published: ${result.published.title} (${result.published.id})` : 'published: nothing');
}

async function printHowWaitsEnded(geminiflow: GeminiflowClient, workflowId: string) {
  say('\nhow each wait ended:');
  for (const stage of ['research', 'follow-ups', 'brief']) {
    const id = `${workflowId}/${stage}`;
    const waits = await geminiflow.waits(id).catch(() => undefined);
    for (const w of waits?.resolved ?? []) {
      say(`  ${stage.padEnd(10)} ${w.type.padEnd(28)} by ${w.resolvedBy} after ${w.waitedMs} ms`);
    }
  }
}
