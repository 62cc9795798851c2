import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { GeminiflowClient, type RunTimeline } from '../client';
import { consoleConfigFromEnv } from '../console/config';
import { type RunningConsole, startConsole } from '../console/server';
import { briefWorkflowId, type ResearchBriefResult, researchBriefPipeline } from '../example/research-brief-pipeline';
import { deepResearch } from '../workflows';
import { consoleInChromium } from './helpers/browser';
import { eventually } from './helpers/eventually';
import { geminiflow, type OperatorStack, startOperatorStack } from './helpers/operator-stack';
import { testLogger } from './helpers/receiver';

const token = 'alice-timeline-token-0123456789';
const pipelineId = 'tl/research-brief-1';
const briefId = briefWorkflowId(pipelineId);
const failedId = 'tl/empty-topic-1';
const waiterId = 'tl/waiter-1';
/** A run no worker ever picks up: its timeline comes from Temporal alone. */
const unhostedId = 'tl/unhosted-1';

describe("a finished pipeline's timeline, in the CLI and the console, and the Runs page's filters", () => {
  let stack: OperatorStack;
  let g: GeminiflowClient;
  let web: RunningConsole;
  let result: ResearchBriefResult;
  /** How long, at least, the person took: the call was pending before this wait began. */
  const personTookMs = 1500;

  // The whole pipeline runs here, a person's approval included: more than one test's bound on a loaded machine.
  before(
    async () => {
      stack = await startOperatorStack({ worker: 'example' });
      g = new GeminiflowClient(stack.client, { taskQueue: stack.taskQueue });
      web = await startConsole({
        config: consoleConfigFromEnv({
          GEMINIFLOW_CONSOLE_PORT: '0',
          GEMINIFLOW_CONSOLE_POLL_MS: '300',
          GEMINIFLOW_CONSOLE_SESSION_SECRET: randomBytes(32).toString('base64url'),
          GEMINIFLOW_CONSOLE_TOKENS: `alice=${token}`,
        }),
        geminiflow: g,
        namespace: stack.temporal.namespace,
        logger: testLogger,
      });

      // The emulated model writes the brief as a real one would with these tools: count the words, then publish.
      const topic = 'Webhooks versus polling';
      const doc = { title: 'Brief: webhooks versus polling', body: 'Prefer webhooks, keep a backstop.' };
      stack.emulator!.control.model.addInteractionRule({
        match: { inputIncludes: `Write a one-page brief on "${topic}"` },
        turns: [
          { functionCalls: [{ name: 'count_words', arguments: { text: doc.body } }] },
          { functionCalls: [{ name: 'publish', arguments: doc }] },
          { text: 'Published.' },
        ],
      });
      await stack.client.workflow.start(researchBriefPipeline, {
        taskQueue: stack.taskQueue,
        workflowId: pipelineId,
        args: [{ topic, followUps: 2 }],
      });
      // A person (alice, through the CLI) approves `publish` a moment after it is asked for.
      const call = await eventually(
        async () => (await g.pendingApprovals(briefId).catch(() => []))[0],
        'the publish call waiting for a person',
        120_000,
      );
      await new Promise((resolve) => setTimeout(resolve, personTookMs));
      const approved = await geminiflow(['approve', briefId, call.callId, '--reviewer', 'alice'], stack.env);
      assert.equal(approved.code, 0, approved.stderr);
      result = await g.result<ResearchBriefResult>(pipelineId);

      // Other runs for the Runs page: one failed at once, one waiting on Gemini, one no worker hosts.
      await stack.client.workflow.start(deepResearch, {
        taskQueue: stack.taskQueue,
        workflowId: failedId,
        args: [{ topic: ' ' }],
      });
      await assert.rejects(g.result(failedId));
      const job = await stack.ai.interactions.create({
        model: 'gemini-flash-latest',
        input: 'Hello [[duration 36000000]]',
        background: true,
      });
      await g.waitForJob(
        { kind: 'interaction', id: job.id! },
        { until: ['interaction.completed'] },
        { workflowId: waiterId },
      );
      const unhosted = await stack.client.workflow.start('noWorkerHostsThis', {
        taskQueue: `${stack.taskQueue}-unpolled`,
        workflowId: unhostedId,
      });
      await unhosted.signal('geminiEvent', {
        webhookId: 'msg_unhosted_1',
        type: 'interaction.completed',
        resourceId: 'v1_elsewhere',
        timestamp: new Date().toISOString(),
        data: { id: 'v1_elsewhere' },
        via: 'webhook',
      });
      await eventually(
        async () => ((await g.listRuns({ waiting: true })).some((r) => r.workflowId === waiterId) ? true : undefined),
        'the waiter in visibility',
        60_000,
      );
    },
    { timeout: 10 * 60_000 },
  );
  after(async () => {
    for (const id of [waiterId, unhostedId]) {
      await stack?.client.workflow
        .getHandle(id)
        .terminate('test over')
        .catch(() => undefined);
    }
    await web?.stop();
    await stack?.stop();
  });

  describe('geminiflow status --timeline', () => {
    let timeline: RunTimeline;

    it('--json: the stages nested, the event that ended each wait and how, who decided and how long they took', async () => {
      const run = await geminiflow(['status', pipelineId, '--timeline', '--json'], stack.env);
      assert.equal(run.code, 0, run.stderr);
      timeline = JSON.parse(run.stdout) as RunTimeline;
      assert.deepEqual(
        [timeline.workflowId, timeline.type, timeline.state, timeline.runsNotRead],
        [pipelineId, 'researchBriefPipeline', 'completed', 0],
      );
      const stages = timeline.root.children.filter((r) => r.kind === 'run');
      assert.deepEqual(
        stages.map((s) => [s.label, s.state]),
        [
          ['research · deepResearch', 'completed'],
          ['sources · fanOutJobs', 'completed'],
          ['follow-ups · batchPrompts', 'completed'],
          ['brief · agentWorkflow', 'completed'],
        ],
      );
      const [research, sources, followUps, brief] = stages;

      // Each wait as the run itself recorded it (its geminiWaits query) is the one the timeline shows.
      for (const [stage, id] of [
        [research!, `${pipelineId}/research`],
        [followUps!, `${pipelineId}/follow-ups`],
        [brief!, briefId],
      ] as const) {
        const jobs = stage.children.filter((r) => r.kind === 'job');
        const resolved = (await g.waits(id)).resolved;
        assert.deepEqual(
          jobs.map((j) => [j.job?.id, j.job?.endedBy?.type, j.job?.endedBy?.via]),
          resolved.map((w) => [w.resource.id, w.type, w.resolvedBy]),
          `the waits of ${id}`,
        );
      }
      // The pipeline's usage is what it published, priced as the client prices it (GeminiflowClient.usage).
      const usage = (await g.usage(pipelineId))!;
      assert.deepEqual(timeline.root.usage?.total, usage.total);
      assert.equal(timeline.root.usage?.cost.usd, usage.cost.usd);
      assert.equal(timeline.pricesOf, usage.cost.pricesOf);
      const [report] = research!.children;
      assert.equal(report!.label, 'Deep Research job');
      assert.equal(report!.job?.id, result.report.interactionId);
      assert.ok((report!.usage?.total.totalTokens ?? 0) > 0, "Deep Research's tokens");

      // The fan-out: an item run per source, each with its own job, and the counts it published.
      const items = sources!.children.filter((r) => r.kind === 'run');
      assert.equal(items.length, result.sourceNotes!.counts.total);
      for (const item of items) {
        assert.equal(item.run?.expanded, true);
        assert.equal(item.children.find((r) => r.kind === 'job')?.job?.endedBy?.via, 'webhook');
      }
      const total = result.sourceNotes!.counts.total;
      assert.equal(
        sources!.marks.filter((m) => m.kind === 'progress').at(-1)?.label,
        `done ${total}, failed 0, running 0, left 0 of ${total}`,
      );

      // The approval: requested when the audit record says, decided by alice, after the time she took.
      const publish = brief!.children.find((r) => r.label === 'publish')!;
      const [record] = (await g.approvalLog(briefId)).filter((r) => r.tool === 'publish');
      assert.equal(publish.tool?.callId, record!.callId);
      assert.equal(publish.tool?.approval?.requestedAt, record!.requestedAt);
      assert.equal(publish.tool?.approval?.reviewer, 'alice');
      assert.equal(record!.reviewer, 'alice');
      assert.equal(publish.tool?.approval?.decision, 'approved');
      assert.ok(publish.tool!.approval!.tookMs! >= personTookMs, `alice took ${publish.tool!.approval!.tookMs} ms`);
      assert.equal(publish.tool?.outcome, 'ok');
      assert.deepEqual(
        publish.segments.map((s) => s.kind),
        ['person', 'tool'],
      );
      assert.equal(result.published?.title !== undefined, true);
      assert.ok(publish.details.some((d) => d.startsWith('result ') && d.includes(result.published!.id)));
    });

    it('text: a tree of stages with when each started and how long it took, then every moment', async () => {
      const run = await geminiflow(['status', pipelineId, '--timeline'], stack.env);
      assert.equal(run.code, 0, run.stderr);
      const out = run.stdout;
      assert.match(out, new RegExp(`^${pipelineId} \\(researchBriefPipeline\\): completed in [\\d.]+ (s|min)`));
      assert.match(out, /^started \S+, ended \S+; [\d,]+ tokens, ~\$[\d.]+ est\. \(prices of \d{4}-\d\d-\d\d\)$/m);
      assert.match(out, /^START +TOOK +STAGE$/m);
      assert.match(out, /^\+\d+ ms +[\d.]+ s +researchBriefPipeline tl\/research-brief-1: completed in/m);
      assert.match(out, /^\+[\d.]+ (ms|s) +[\d.]+ (ms|s) +research · deepResearch: completed in/m);
      assert.match(
        out,
        /^\+[\d.]+ (ms|s) +[\d.]+ (ms|s) +Deep Research job: interaction\.completed by webhook after .*; [\d,]+ tokens, ~\$[\d.]+ est\.$/m,
      );
      assert.match(
        out,
        /^ +interaction v1_\w+; by deep-research-[\w-]+; request [\d.]+ k?B; tokens in \d+, out \d+(, [a-z ]+ \d+)*$/m,
      );
      assert.match(out, /^\+[\d.]+ s +[\d.]+ (ms|s) +Batch job: batch\.succeeded by webhook after /m);
      assert.match(out, /^\+[\d.]+ s +[\d.]+ s +publish: approved by alice after [\d.]+ s; ran in \d+ ms$/m);
      assert.match(out, /^WHEN +RUN +WHAT$/m);
      const call = timeline.root.children
        .find((r) => r.label === 'brief · agentWorkflow')!
        .children.find((r) => r.label === 'publish')!;
      assert.match(
        out,
        new RegExp(
          `^${call.tool!.approval!.decidedAt!.replace(/\./g, '\\.')} +…/brief +publish ${call.tool!.callId}: approved by alice$`,
          'm',
        ),
      );
      // Sizes and ids, never a secret of the stack.
      for (const [name, value] of Object.entries(stack.env)) {
        if (!/KEY|SECRET|TOKEN/.test(name)) continue;
        for (const secret of value.split(/[,:]/).filter((s) => s.length >= 16)) {
          assert.ok(!out.includes(secret), `${name} is not in the timeline`);
        }
      }
    });

    it('needs no worker: a run no worker ever ran still has its timeline', async () => {
      const run = await geminiflow(['status', unhostedId, '--timeline', '--json'], stack.env);
      assert.equal(run.code, 0, run.stderr);
      const t = JSON.parse(run.stdout) as RunTimeline;
      assert.deepEqual([t.type, t.state], ['noWorkerHostsThis', 'running']);
      assert.deepEqual(
        t.root.marks.map((m) => [m.kind, m.label]),
        [['event', 'interaction.completed for v1_elsewhere, a job this run did not start']],
      );
      const missing = await geminiflow(['status', 'tl/no-such-run', '--timeline'], stack.env);
      assert.equal(missing.code, 1);
      assert.equal(missing.stderr, 'geminiflow: no run with workflow id tl/no-such-run\n');
    });

    it('list --status and --id filter finished runs; listRuns pages with offset', async () => {
      const failed = await geminiflow(['list', '--status', 'failed', '--json'], stack.env);
      assert.deepEqual(
        (JSON.parse(failed.stdout) as { workflowId: string }[]).map((r) => r.workflowId),
        [failedId],
      );
      const briefRuns = await geminiflow(['list', '--id', 'BRIEF-1/b', '--status', 'completed'], stack.env);
      assert.match(briefRuns.stdout, new RegExp(`^${briefId} +agentWorkflow +COMPLETED`, 'm'));
      assert.match(briefRuns.stdout, /^1 run\(s\)$/m);
      const bad = await geminiflow(['list', '--status', 'finished'], stack.env);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /"finished" is not a run status \(one of running, completed, failed, cancelled/);

      const all = await g.listRuns({ limit: 6 });
      const first = await g.listRuns({ limit: 3 });
      const second = await g.listRuns({ offset: 3, limit: 3 });
      assert.deepEqual(
        [...first, ...second].map((r) => r.runId),
        all.map((r) => r.runId),
      );
    });
  });

  describe('the console, in a real Chromium', () => {
    const chromium = consoleInChromium(() => web.url, token);
    const blocked: string[] = [];
    let page: Page;
    before(() => {
      page = chromium.page();
      page.on('console', (m) => {
        if (/Content.Security.Policy|Refused to/i.test(m.text())) blocked.push(m.text());
      });
    });

    const listed = async () =>
      page.locator('table.runs tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run')));

    it('the Runs page lists finished runs too, and filters them by status, type, text in the id, waiting and fan-outs', async () => {
      await page.goto(`${web.url}/runs`);
      assert.equal(await page.locator('h1').innerText(), 'Runs');
      const everything = await listed();
      for (const id of [pipelineId, `${pipelineId}/research`, `${pipelineId}/sources`, briefId, failedId, waiterId])
        assert.ok(everything.includes(id), `${id} is listed`);
      assert.equal(await page.locator(`tr[data-run="${failedId}"] .badge`).innerText(), 'failed');

      await page.selectOption('select[name=status]', 'failed');
      await page.click('form.filter button[type=submit]');
      await page.waitForURL(/status=failed/);
      assert.equal(await page.locator('h1').innerText(), 'Failed runs');
      assert.deepEqual(await listed(), [failedId]);

      await page.goto(`${web.url}/runs?status=completed&id=SOURCES`);
      const sources = await listed();
      assert.ok(sources.length > 1 && sources.every((id) => id?.startsWith(`${pipelineId}/sources`)), String(sources));

      await page.goto(`${web.url}/runs?type=researchBriefPipeline`);
      assert.deepEqual(await listed(), [pipelineId]);

      await page.goto(`${web.url}/runs?waiting=on`);
      assert.equal(await page.locator('h1').innerText(), 'Runs waiting on Gemini');
      assert.deepEqual(await listed(), [waiterId]);

      await page.goto(`${web.url}/runs?fanOuts=on&status=completed`);
      assert.equal(await page.locator('h1').innerText(), 'Completed fan-outs');
      assert.deepEqual(await listed(), [`${pipelineId}/sources`]);

      await page.goto(`${web.url}/runs?type=x%27%20OR%201%3D1`);
      assert.match(await page.locator('p.error').innerText(), /is not a workflow type name/);
    });

    it("a finished pipeline's run page draws its timeline: a bar per stage on one axis, nested, with its moments", async () => {
      await page.goto(`${web.url}/runs?type=researchBriefPipeline`);
      await page.click(`a[href="/runs/${encodeURIComponent(pipelineId)}"]`);
      await page.waitForSelector('section.timeline');
      const rows = page.locator('li.tl-row');
      assert.deepEqual(
        await rows.first().evaluate((r) => [r.getAttribute('data-kind'), r.getAttribute('data-state')]),
        ['run', 'completed'],
      );
      const stages = await page.locator('li.tl-row.run[data-depth="1"] .tl-name').allInnerTexts();
      assert.deepEqual(stages, [
        'research · deepResearch',
        'sources · fanOutJobs',
        'follow-ups · batchPrompts',
        'brief · agentWorkflow',
      ]);
      const research = page.locator('li.tl-row.job', { hasText: 'Deep Research job' });
      assert.match(
        await research.locator('.tl-summary').innerText(),
        /^interaction\.completed by webhook after .* tokens/,
      );
      assert.deepEqual(
        await research.locator('rect.seg').evaluateAll((r) => r.map((s) => s.getAttribute('data-segment'))),
        ['call', 'gemini', 'read'],
      );
      assert.equal(await research.locator('circle.mark[data-mark="webhook"]').count(), 1);
      const publish = page.locator('li.tl-row.tool', { hasText: 'publish' });
      assert.match(
        await publish.locator('.tl-summary').innerText(),
        /^approved by alice after [\d.]+ s; ran in \d+ ms/,
      );
      // The person's wait is a bar of its own, wider than the tool's run.
      const widths = await publish
        .locator('rect.seg')
        .evaluateAll((r) => r.map((s) => [s.getAttribute('data-segment'), s.getBoundingClientRect().width]));
      assert.deepEqual(
        widths.map(([kind]) => kind),
        ['person', 'tool'],
      );
      assert.ok((widths[0]![1] as number) > (widths[1]![1] as number));
      // Items of the fan-out are nested two levels down, each with its job.
      assert.ok((await page.locator('li.tl-row.run[data-depth="2"]').count()) >= result.sourceNotes!.counts.total);
      assert.match(await page.locator('table.moments').innerText(), /…\/brief\s+publish call_\S+: approved by alice/);
      assert.deepEqual(blocked, [], 'nothing the Content-Security-Policy refused');

      const legend = await page.locator('ul.tl-legend').boundingBox();
      const width = page.viewportSize()!.width;
      await page.screenshot({
        path: chromium.screenshot('console-timeline.png'),
        fullPage: true,
        clip: { x: 0, y: 0, width, height: Math.ceil(legend!.y + legend!.height + 24) },
      });

      // A stage's row leads to its own run page, with its own timeline.
      await page.click('li.tl-row[data-depth="1"] a:text-is("brief · agentWorkflow")');
      await page.waitForURL(new RegExp(`/runs/${encodeURIComponent(briefId)}$`));
      assert.equal(await page.locator('li.tl-row[data-depth="0"] .tl-name').innerText(), `agentWorkflow ${briefId}`);
      assert.equal(await page.locator('li.tl-row.tool', { hasText: 'publish' }).count(), 1);
    });
  });
});
