import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GoogleGenAI } from '@google/genai';
import { GeminiflowClient, type UsageWithCost } from '../client';
import { consoleConfigFromEnv } from '../console/config';
import { type RunningConsole, startConsole } from '../console/server';
import {
  addTokens,
  type InteractionUsage,
  type ModelUsage,
  noModelUsage,
  type TokenUsage,
  tokensOfInteraction,
  tokensOfMetadata,
} from '../contract';
import { briefWorkflowId, researchBriefPipeline } from '../example/research-brief-pipeline';
import { consoleInChromium } from './helpers/browser';
import { geminiflow, type OperatorStack, startOperatorStack } from './helpers/operator-stack';
import { testLogger } from './helpers/receiver';
import { testTmpDir } from './helpers/temporal';

const token = 'usage-console-token-0123456789ab';
const pipelineId = 'usage/pipeline-1';
const model = 'gemini-2.5-flash';
const research = 'deep-research-preview-04-2026';

/** Default prices (US dollars per million tokens), written out here so the cost is checked against the docs' table. */
const price = {
  [research]: { input: 2, output: 12, cached: 0.2 },
  [model]: { input: 0.3, output: 2.5, cached: 0.03 },
  [`batch:${model}`]: { input: 0.15, output: 1.25, cached: 0.015 },
};
const costOf = (u: TokenUsage, p: { input: number; output: number; cached: number }) =>
  ((u.inputTokens - u.cachedTokens) * p.input +
    u.cachedTokens * p.cached +
    u.toolUseTokens * p.input +
    (u.outputTokens + u.thoughtTokens) * p.output) /
  1_000_000;

describe('usage and estimated cost per run and per pipeline, on the real stack', () => {
  let stack: OperatorStack;
  let g: GeminiflowClient;
  let ai: GoogleGenAI;
  let web: RunningConsole;
  /** What Gemini (the emulator) reported for each job of the pipeline, read back through the SDK, by model. */
  const reported: Record<string, ModelUsage> = {};
  const report = (key: string, tokens: TokenUsage) => {
    addTokens((reported[key] ??= noModelUsage()), tokens).jobs++;
  };
  const interactionUsage = async (id: string) =>
    tokensOfInteraction((await ai.interactions.get(id)).usage as InteractionUsage)!;

  before(async () => {
    stack = await startOperatorStack({ worker: 'example' });
    g = new GeminiflowClient(stack.client, { taskQueue: stack.taskQueue });
    ai = new GoogleGenAI({ apiKey: 'test-key', httpOptions: { baseUrl: stack.emulator!.baseUrl } });
    web = await startConsole({
      config: consoleConfigFromEnv({
        GEMINIFLOW_CONSOLE_PORT: '0',
        GEMINIFLOW_CONSOLE_TOKENS: `watcher=${token}`,
      }),
      geminiflow: g,
      namespace: stack.temporal.namespace,
      logger: testLogger,
    });

    // The flagship pipeline: Deep Research, a fan-out of a text job per source, a batch, an agent that calls a tool.
    const result = await stack.client.workflow.execute(researchBriefPipeline, {
      taskQueue: stack.taskQueue,
      workflowId: pipelineId,
      args: [{ topic: 'durable execution', followUps: 2, model }],
    });

    report(research, await interactionUsage(result.report.interactionId));
    for (const note of result.sourceNotes!.results) {
      assert.ok(note.ok);
      report(model, await interactionUsage(note.value.interactionId));
    }
    const followUps = result.followUps;
    assert.ok(followUps.state === 'succeeded');
    const out = path.join(testTmpDir(), 'follow-ups.jsonl');
    await ai.files.download({ file: followUps.outputFile, downloadPath: out });
    const lines = fs.readFileSync(out, 'utf8').split('\n').filter(Boolean);
    const batch = lines.map((l) => tokensOfMetadata(JSON.parse(l).response.usageMetadata)!);
    report(
      `batch:${model}`,
      batch.reduce((sum, t) => addTokens(sum, t), noModelUsage()),
    );
    // The agent's two interactions (the one that asked for a tool, and the answer), as its run tracked them.
    const { resourceIds } = await g.runStatus(briefWorkflowId(pipelineId));
    assert.equal(resourceIds.length, 2);
    for (const id of resourceIds) report(model, await interactionUsage(id));
  });
  after(async () => {
    await web?.stop();
    await stack?.stop();
  });

  it('the emulator reports usage the way Gemini does, derived from text lengths (docs/emulator.md)', async () => {
    const created = await ai.interactions.create({ model, input: 'hello world' } as never);
    // "Emulated gemini-2.5-flash reply to: hello world": 6 words out, 2 in.
    assert.deepEqual(created.usage, {
      total_input_tokens: 2,
      total_output_tokens: 6,
      total_thought_tokens: 0,
      total_cached_tokens: 0,
      total_tool_use_tokens: 0,
      total_tokens: 8,
      initial_input_tokens: 2,
      input_tokens_by_modality: [{ modality: 'text', tokens: 2 }],
      output_tokens_by_modality: [{ modality: 'text', tokens: 6 }],
    });
    const agent = reported[research]!;
    assert.equal(agent.thoughtTokens, agent.outputTokens, 'Deep Research thinks as much as it writes');
    assert.equal(agent.toolUseTokens, 150, '50 tool-use tokens for each of its 3 sources');
    assert.ok(reported[model]!.cachedTokens > 0, "the agent's second interaction has the first one cached");
  });

  it('the client: the pipeline sums every job of its children and fan-out; each run has its own', async () => {
    const usage = (await g.usage(pipelineId))!;
    assert.deepEqual(usage.byModel, reported);
    const total = Object.values(reported).reduce((sum, m) => addTokens(sum, m), noModelUsage());
    total.jobs = Object.values(reported).reduce((n, m) => n + m.jobs, 0);
    assert.deepEqual(usage.total, total);
    assert.equal(usage.total.jobs, 1 + 3 + 1 + 2, 'Deep Research, 3 source notes, the batch, 2 agent interactions');
    assert.deepEqual(usage.own, noModelUsage(), 'the pipeline starts no job itself');
    assert.equal(usage.children, 7, 'research, the fan-out and its 3 items, the batch, the agent');

    const expected = Object.entries(reported).reduce(
      (sum, [m, u]) => sum + costOf(u, price[m as keyof typeof price]),
      0,
    );
    assert.ok(Math.abs(usage.cost.usd - expected) < 1e-12, `${usage.cost.usd} is ${expected}`);
    assert.equal(usage.cost.pricesOf, '2026-12-07');
    assert.deepEqual(usage.cost.unpriced, []);

    // Per run: the research stage's own job, the fan-out's items.
    const stage = (await g.usage(`${pipelineId}/research`))!;
    assert.deepEqual(stage.own, { ...reported[research], jobs: 1 });
    const sources = (await g.runStatus(`${pipelineId}/sources`)).usage!;
    assert.deepEqual([sources.own.jobs, sources.total.jobs, sources.children], [0, 3, 3]);

    // Lists read the memo: the same numbers without a query.
    const listed = (await g.listRuns({ limit: 500 })).find((r) => r.workflowId === pipelineId)!;
    assert.deepEqual(listed.usage?.total, usage.total);
    assert.deepEqual((await g.runStatus(pipelineId)).usage?.total, usage.total);
  });

  it('the CLI: status and list show usage and estimated cost; GEMINIFLOW_PRICES overrides the prices', async () => {
    const usage = (await g.usage(pipelineId))!;
    const tokens = usage.total.totalTokens.toLocaleString('en-US');
    const status = await geminiflow(['status', pipelineId], stack.env);
    assert.equal(status.code, 0, status.stderr);
    assert.match(
      status.stdout,
      new RegExp(
        `^usage +${tokens} tokens \\(in [\\d,]+, out [\\d,]+, thought [\\d,]+, cached [\\d,]+, tool use 150\\) in 7 job\\(s\\), ~\\$[\\d.]+ est\\. \\(prices of 2026-12-07\\)$`,
        'm',
      ),
    );
    assert.match(status.stdout, /^ +this run's own jobs: 0 tokens .* in 0 job\(s\); 7 child run\(s\) reported$/m);
    assert.match(
      status.stdout,
      new RegExp(`^by model +${research}: [\\d,]+ tokens in 1 job\\(s\\), ~\\$[\\d.]+$`, 'm'),
    );
    assert.match(status.stdout, /^by model +batch:gemini-2\.5-flash: [\d,]+ tokens in 1 job\(s\), ~\$[\d.]+$/m);

    const list = await geminiflow(['list', '--type', 'researchBriefPipeline'], stack.env);
    assert.equal(list.code, 0, list.stderr);
    const [header, row] = list.stdout.trim().split('\n');
    assert.match(header!, /FAN-OUT +USAGE$/);
    assert.equal(row!.split(/ {2,}/).at(-1), `${tokens} tok, ~$${usage.cost.usd.toFixed(6)} est.`);

    // A price of one dollar per input token of the model, none for the rest: its cost is its uncached input tokens.
    const prices = JSON.stringify({ date: 'ours', models: { [model]: { input: 1_000_000, output: 0, cached: 0 } } });
    const json = await geminiflow(['status', pipelineId, '--json'], { ...stack.env, GEMINIFLOW_PRICES: prices });
    const withOurs = (JSON.parse(json.stdout) as { usage: UsageWithCost }).usage;
    const m = reported[model]!;
    assert.equal(withOurs.cost.byModel[model], m.inputTokens - m.cachedTokens + m.toolUseTokens);
    assert.equal(withOurs.cost.pricesOf, 'ours');
    const table = await geminiflow(['prices'], { ...stack.env, GEMINIFLOW_PRICES: prices });
    assert.match(table.stdout, /^prices of ours, US dollars per million tokens; an estimate/m);
    assert.match(table.stdout, /^gemini-2\.5-flash +1000000 +0 +0 +0 +1000000$/m);
    const bad = await geminiflow(['prices'], { ...stack.env, GEMINIFLOW_PRICES: '{"models":{"x":{"input":-1}}}' });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /invalid GEMINIFLOW_PRICES: - models\.x\.input: .*>=0.*- models\.x\.output/);
  });

  describe('the console, in a real Chromium', () => {
    const chromium = consoleInChromium(() => web.url, token);

    it('the Runs page shows each run its usage and estimated cost', async () => {
      const page = chromium.page();
      const usage = (await g.usage(pipelineId))!;
      await page.goto(`${web.url}/runs?type=researchBriefPipeline`);
      const cell = page.locator(`tr[data-run="${pipelineId}"] td.usage`);
      assert.equal(
        Number(await cell.locator('[data-usage-tokens]').getAttribute('data-usage-tokens')),
        usage.total.totalTokens,
      );
      assert.equal(
        await cell.innerText(),
        `${usage.total.totalTokens.toLocaleString('en-US')} tokens, ~$${usage.cost.usd.toFixed(6)}`,
      );
    });

    it("the run page shows the pipeline's usage by model, its own share and the estimated cost", async () => {
      const page = chromium.page();
      const usage = (await g.usage(pipelineId))!;
      await page.goto(`${web.url}/runs/${encodeURIComponent(pipelineId)}`);
      const section = page.locator('section.usage');
      assert.equal(Number(await section.getAttribute('data-usage-total')), usage.total.totalTokens);
      assert.equal(Number(await section.getAttribute('data-usage-own')), 0);
      assert.match(
        await section.innerText(),
        /7 Gemini job\(s\), estimated cost ~\$[\d.]+ \(an estimate by the prices of 2026-12-07\)/,
      );
      assert.match(
        await section.innerText(),
        /This run's own jobs: 0 tokens in 0 job\(s\); the rest from 7 child run\(s\)/,
      );
      const rows = await section
        .locator('tbody tr')
        .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim())));
      const byModel = Object.fromEntries(rows.map(([m, jobs, , , , , , total]) => [m, [Number(jobs), total]]));
      for (const [m, u] of Object.entries(reported)) {
        assert.deepEqual(byModel[m], [u.jobs, u.totalTokens.toLocaleString('en-US')], m);
      }
      await section.screenshot({ path: chromium.screenshot('console-usage.png') });

      const stage = (await g.usage(`${pipelineId}/research`))!;
      await page.goto(`${web.url}/runs/${encodeURIComponent(`${pipelineId}/research`)}`);
      assert.equal(Number(await page.locator('section.usage').getAttribute('data-usage-own')), stage.own.totalTokens);
    });
  });
});
