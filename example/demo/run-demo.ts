import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApprovalRefusedError, GeminiflowClient } from '../../client';
import { logger } from '../../common/logger';
import { toolsDir } from '../../common/paths';
import { consoleConfigFromEnv, newReviewerToken } from '../../console/config';
import { startConsole } from '../../console/server';
import { paths } from '../../console/views';
import { type InteractionRule, startLocalStack } from '../../testing';
import type { PendingApproval } from '../../workflows';
import { briefWorkflowId, type ResearchBriefResult, researchBriefPipeline } from '../research-brief-pipeline';
import { exampleTools } from '../tool-implementations';
import { askPerson, type Choice, waitForEnter } from './person';
import { PipelineWatch } from './watch';

export interface DemoOptions {
  topic: string;
  followUps: number;
  /** Decide without asking: approve (or deny with `deny`) on the person's behalf. */
  yes?: boolean;
  deny?: boolean;
  timeScale: number;
}

const say = (line = '') => process.stdout.write(`${line}\n`);

/**
 * `npm run demo`: the flagship pipeline end to end on this machine, shown as it goes. Deep Research, a batch of
 * follow-ups, then an agent that writes a brief and asks a person before it publishes: the person at the terminal
 * (or in the console), or, without a terminal or with --yes, the demo on their behalf.
 */
export async function runDemo(opts: DemoOptions): Promise<void> {
  const atTerminal = Boolean(process.stdin.isTTY && process.stdout.isTTY) && !opts.yes;
  say('starting Temporal, the Gemini emulator, the receiver, a worker and the console ...');
  const stack = await startLocalStack({
    temporal: process.env.TEMPORAL_ADDRESS
      ? { address: process.env.TEMPORAL_ADDRESS, namespace: process.env.TEMPORAL_NAMESPACE }
      : { dbFilename: path.join(toolsDir, 'data', 'demo-temporal.db'), ui: true },
    // The emulator runs its clock fast; webhook timestamps stay on real time so the receiver's 5-minute check holds.
    emulator: process.env.GEMINI_API_KEY ? false : { timeScale: opts.timeScale, webhookTimestampClock: 'real' },
    webhooks: 'both',
    worker: { workflowsPath: require.resolve('../workflows'), tools: [exampleTools()] },
    logger: logger.child({}, { level: 'warn' }),
  });
  const geminiflow = new GeminiflowClient(stack.client, { taskQueue: stack.taskQueue });
  const uiUrl = stack.temporal.uiUrl ?? process.env.GEMINIFLOW_TEMPORAL_UI_URL;
  const reviewerToken = process.env.GEMINIFLOW_CONSOLE_TOKENS ? undefined : newReviewerToken('you');
  const consoleServer = await startConsole({
    config: consoleConfigFromEnv({
      GEMINIFLOW_CONSOLE_PORT: '0',
      ...process.env,
      ...(reviewerToken ? { GEMINIFLOW_CONSOLE_TOKENS: reviewerToken.entry } : {}),
      ...(uiUrl ? { GEMINIFLOW_TEMPORAL_UI_URL: uiUrl } : {}),
    }),
    geminiflow,
    namespace: stack.temporal.namespace,
    logger: logger.child({}, { level: 'warn' }),
  });
  try {
    say(`  Temporal ${stack.temporal.address}${uiUrl ? `, Web UI ${uiUrl}` : ''}; receiver ${stack.receiver.url}`);
    say(
      stack.emulator ? `  Gemini emulator ${stack.emulator.baseUrl} (x${opts.timeScale} speed)` : '  real Gemini API',
    );
    if (atTerminal)
      say(`  console ${consoleServer.url}${reviewerToken ? ` (sign in with ${reviewerToken.token})` : ''}`);
    // The emulator's model is deterministic; script the brief-writer to act as a real model would with these tools.
    stack.emulator?.control.model.addInteractionRule(briefWriterScript(opts.topic));

    const workflowId = `research-brief-${Date.now()}`;
    say(`\nrunning researchBriefPipeline as ${workflowId} on "${opts.topic}"`);
    const handle = await stack.client.workflow.start(researchBriefPipeline, {
      taskQueue: stack.taskQueue,
      workflowId,
      args: [{ topic: opts.topic, followUps: opts.followUps, approvalTimeout: '30 minutes' }],
    });
    let finished = false;
    const done = handle.result().finally(() => (finished = true));
    done.catch(() => undefined);
    const watch = new PipelineWatch(geminiflow, handle, say);
    let decided = false;
    while (!finished) {
      const status = await watch.poll();
      if (!decided && status?.stage === 'brief') {
        decided = await decideOnPublish(geminiflow, briefWorkflowId(workflowId), consoleServer.url, {
          ...opts,
          atTerminal,
        });
      }
      await sleep(300);
    }
    await watch.poll();
    printResult(await done);
    await printApprovalLog(geminiflow, briefWorkflowId(workflowId));
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
    say(
      uiUrl
        ? `\nthe run in Temporal's Web UI: ${uiUrl}/namespaces/${stack.temporal.namespace}/workflows/${encodeURIComponent(workflowId)}`
        : "\nTemporal's Web UI: set GEMINIFLOW_TEMPORAL_UI_URL to the UI of the server at TEMPORAL_ADDRESS to get a link here",
    );
    if (atTerminal) {
      say(`its audit record in the console: ${consoleServer.url}${paths.run(briefWorkflowId(workflowId))}`);
      await waitForEnter('\npress Enter to stop the demo (the Web UI and the console stay up until then) ');
    }
  } finally {
    await consoleServer.stop();
    await stack.stop();
  }
}

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

const decidedText = { approve: 'approved', edit: 'approved with edits', deny: 'denied', answer: 'answered' } as const;

/** Shows the call that waits for a person, then lets the person decide (terminal or console), or decides for them. */
async function decideOnPublish(
  geminiflow: GeminiflowClient,
  briefId: string,
  consoleUrl: string,
  opts: DemoOptions & { atTerminal: boolean },
): Promise<boolean> {
  const pending = await geminiflow.pendingApprovals(briefId).catch(() => [] as PendingApproval[]);
  const call = pending.find((p) => p.tool === 'publish');
  if (!call) return false;
  say(`  brief      the agent asks to call publish and waits for a person (${call.decisions.join(', ')} allowed):`);
  for (const [name, value] of Object.entries(call.arguments))
    say(`               ${name}: ${String(value).slice(0, 100)}`);

  if (!opts.atTerminal) {
    const why = opts.yes ? '--yes' : 'no terminal to ask at';
    const choice: Choice = opts.deny ? { kind: 'deny', reason: 'denied in the demo' } : { kind: 'approve' };
    say(`  ${why}: the demo ${opts.deny ? 'denies' : 'approves'} on the person's behalf`);
    await geminiflow.decideApproval(briefId, { ...choice, callId: call.callId, reviewer: 'demo' });
    say(`  decision sent as a Temporal Update: ${decidedText[choice.kind]}`);
    return true;
  }

  say(`  decide here, or in the console: ${consoleUrl}${paths.call(briefId, call.callId)}`);
  // Whoever decides first wins: the terminal, or someone in the console (the question is then withdrawn).
  const elsewhere = new AbortController();
  const watcher = (async () => {
    while (!elsewhere.signal.aborted) {
      await sleep(500);
      const still = await geminiflow.pendingApprovals(briefId).catch(() => undefined);
      if (still && !still.some((p) => p.callId === call.callId)) elsewhere.abort();
    }
  })();
  try {
    for (;;) {
      const choice = await askPerson(call, elsewhere.signal);
      try {
        const decided = await geminiflow.decideApproval(briefId, {
          ...choice,
          callId: call.callId,
          reviewer: os.userInfo().username,
        });
        say(`  decision sent as a Temporal Update: ${decidedText[decided.kind]}`);
        return true;
      } catch (err) {
        if (!(err instanceof ApprovalRefusedError)) throw err;
        say(`  refused: ${err.message}`);
        if (/already|no longer|unknown call/.test(err.message)) return true;
      }
    }
  } catch (err) {
    if (!elsewhere.signal.aborted) throw err;
    const record = (await geminiflow.approvalLog(briefId)).find((r) => r.callId === call.callId);
    say(`\n  decided in the console by ${record?.reviewer ?? 'someone'}: ${record?.status ?? 'done'}`);
    return true;
  } finally {
    elsewhere.abort();
    await watcher;
  }
}

function printResult(result: ResearchBriefResult) {
  say('\n=== result ===');
  say(`research report: ${result.report.markdown.split('\n')[0]} (${result.report.sources.length} sources)`);
  if (result.sourceNotes) {
    const { done, failed, total } = result.sourceNotes.counts;
    say(
      `source notes: ${done}/${total} done, ${failed} failed (one Gemini job per source, ${result.sourceNotes.window.max} at a time)`,
    );
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

async function printApprovalLog(geminiflow: GeminiflowClient, briefId: string) {
  for (const r of await geminiflow.approvalLog(briefId).catch(() => [])) {
    const ran = r.outcome ? `, then the tool ${r.outcome.isError ? 'failed' : 'ran'}` : ', and the tool did not run';
    say(`approval record: ${r.tool} ${r.status} by ${r.reviewer ?? 'nobody'}${r.reason ? ` (${r.reason})` : ''}${ran}`);
  }
}

async function printHowWaitsEnded(geminiflow: GeminiflowClient, workflowId: string) {
  say('\nhow each wait ended:');
  for (const stage of ['research', 'follow-ups', 'brief']) {
    const waits = await geminiflow.waits(`${workflowId}/${stage}`).catch(() => undefined);
    for (const w of waits?.resolved ?? []) {
      say(`  ${stage.padEnd(10)} ${w.type.padEnd(28)} by ${w.resolvedBy} after ${w.waitedMs} ms`);
    }
  }
}
