import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { briefWorkflowId, researchBriefPipeline } from '../example/research-brief-pipeline';
import { flushTracing, tracingFor } from '../tracing/provider';
import { temporalTracingPlugin } from '../tracing/temporal';
import { bundleWorkflows } from '../worker/bundle';
import { decideApprovalUpdate, pendingApprovalsQuery } from '../workflows';
import { launchChromium, screenshot } from './helpers/browser';
import { eventually } from './helpers/eventually';
import { type GeminiStack, startGeminiStack } from './helpers/gemini-stack';
import { savedHistories } from './helpers/histories';
import { runEndedByStaticWebhook } from './helpers/static-webhook';
import { testTmpDir } from './helpers/temporal';
import { type RunningZipkin, startZipkin, type ZipkinSpan } from './helpers/zipkin';

const model = 'gemini-2.5-flash';
const reviewer = 'editor@example.com';

/** Spans by name (Zipkin keeps names lower-cased). */
const named = (spans: ZipkinSpan[], name: string) => spans.filter((s) => s.name === name.toLowerCase());
const service = (s: ZipkinSpan) => s.localEndpoint?.serviceName;

/**
 * One pipeline (Deep Research, a fan-out of notes, a batch, an agent whose `publish` a person approves) traced into a
 * real backend, Zipkin, through the standard OTEL_* variables: every part of it, the webhook deliveries' handling
 * included, must come out as one connected trace. The test also takes the screenshot of that trace in Zipkin's UI that
 * docs/observability.md shows.
 */
describe('tracing a pipeline into a real trace backend', () => {
  let zipkin: RunningZipkin;
  let stack: GeminiStack;
  let bundle: string;

  before(async () => {
    zipkin = await startZipkin();
    // Tracing is on only because these standard variables say so; the parts read them when they start.
    Object.assign(process.env, {
      OTEL_TRACES_EXPORTER: 'zipkin',
      OTEL_EXPORTER_ZIPKIN_ENDPOINT: zipkin.spansUrl,
      OTEL_BSP_SCHEDULE_DELAY: '200',
    });
    // A traced worker needs Temporal's workflow interceptors in its bundle (the run's shared bundle has none).
    bundle = await bundleWorkflows(
      path.join(testTmpDir(), 'traced-workflows.js'),
      require.resolve('./fixtures/workflows'),
      { tracing: true },
    );
    stack = await startGeminiStack({
      emulator: { durations: { interactionMs: 200, deepResearchMs: 1500, batchMs: 1500 } },
      worker: false,
    });
    await stack.startWorker({ ...stack.workerOptions, workflowsPath: undefined, workflowBundlePath: bundle });
  });
  after(async () => {
    await stack?.stop();
    await zipkin?.stop();
  });

  it('yields one connected trace: client, workflows, activities, Gemini calls, waits, each webhook, the approval', async () => {
    const topic = `Tracing pipelines ${randomUUID().slice(0, 8)}`;
    const doc = { title: `Brief: ${topic}`, body: 'Trace every stage.' };
    stack.emulator.control.model.addInteractionRule({
      match: { model, inputIncludes: `Write a one-page brief on "${topic}"` },
      turns: [{ functionCalls: [{ name: 'publish', arguments: doc }] }, { text: `Published "${doc.title}".` }],
    });
    const pipelineId = `traced-pipeline-${randomUUID()}`;
    const pipeline = await stack.client.workflow.start(researchBriefPipeline, {
      taskQueue: stack.taskQueue,
      workflowId: pipelineId,
      args: [{ topic, followUps: 2, model }],
    });
    const brief = stack.client.workflow.getHandle(briefWorkflowId(pipelineId));
    const [pending] = await eventually(
      async () => {
        const list = await brief.query(pendingApprovalsQuery).catch(() => undefined);
        return list?.length ? list : undefined;
      },
      'the pending publish',
      120_000,
    );
    await brief.executeUpdate(decideApprovalUpdate, {
      args: [{ callId: pending!.callId, approve: true, reviewer }],
    });
    const result = await pipeline.result();
    assert.deepEqual(result.published?.title, doc.title);

    // Every delivery the emulator made for this pipeline's jobs, and the trace the pipeline started.
    const deliveries = stack.emulator.control.inspect.deliveries().filter((d) => d.status === 'delivered');
    assert.ok(deliveries.length >= 4, `deliveries: ${deliveries.length}`);
    await flushTracing();
    const traceId = await eventually(async () => {
      const ids = await zipkin.traceIdsTagged('temporalWorkflowId', pipelineId);
      return ids.length ? ids : undefined;
    }, 'the pipeline in Zipkin');
    assert.equal(traceId.length, 1, `the pipeline is in one trace, not ${traceId.length}`);
    // Spans arrive in batches from three parts; wait until the last webhook's handling is in.
    const spans = await eventually(async () => {
      await flushTracing();
      const all = await zipkin.trace(traceId[0]!);
      const handled = new Set(all.filter((s) => s.kind === 'SERVER').map((s) => s.tags?.['geminiflow.webhook.id']));
      const complete =
        deliveries.every((d) => handled.has(d.webhookId)) &&
        named(all, 'approval publish').length > 0 &&
        named(all, 'RunWorkflow:researchBriefPipeline').length > 0;
      return complete ? all : undefined;
    }, "every delivery, the approval and the pipeline's own span in the trace");

    // Connected: one root (the client's start), every other span's parent in the same trace.
    const ids = new Set(spans.map((s) => s.id));
    const roots = spans.filter((s) => !s.parentId);
    assert.deepEqual(
      roots.map((s) => s.name),
      ['startworkflow:researchbriefpipeline'],
    );
    const orphans = spans.filter((s) => s.parentId && !ids.has(s.parentId));
    assert.deepEqual(
      orphans.map((s) => s.name),
      [],
    );
    assert.deepEqual(
      new Set(spans.map(service)),
      new Set(['geminiflow-client', 'geminiflow-worker', 'geminiflow-receiver']),
    );
    const byId = new Map(spans.map((s) => [s.id, s]));
    const parentOf = (s: ZipkinSpan) => (s.parentId ? byId.get(s.parentId) : undefined);

    // Temporal's spans: the pipeline, its stages as children, their activities.
    for (const name of ['RunWorkflow:researchBriefPipeline', 'RunWorkflow:deepResearch', 'RunWorkflow:batchPrompts']) {
      assert.equal(named(spans, name).length, 1, name);
    }
    assert.ok(named(spans, 'RunActivity:startBackgroundInteraction').length >= 1);

    // A span per Gemini call, by the GenAI conventions, the agent or model named, usage where Gemini reported it.
    const research = spans.find(
      (s) => s.tags?.['gen_ai.operation.name'] === 'invoke_agent' && s.tags['geminiflow.call'] === 'create',
    );
    assert.ok(research, 'the Deep Research call');
    assert.equal(research.tags!['gen_ai.provider.name'], 'gcp.gemini');
    assert.match(research.tags!['gen_ai.agent.name']!, /deep-research/);
    assert.equal(research.kind, 'CLIENT');
    const batch = spans.find(
      (s) => s.tags?.['geminiflow.job.kind'] === 'batch' && s.tags['geminiflow.call'] === 'create',
    );
    assert.equal(batch?.tags?.['gen_ai.request.model'], model);
    const agentTurns = spans.filter(
      (s) => s.tags?.['gen_ai.operation.name'] === 'chat' && s.tags['geminiflow.call'] === 'create',
    );
    assert.ok(agentTurns.length >= 2, 'the agent asks, then answers after the tool');
    const withUsage = spans.filter((s) => Number(s.tags?.['gen_ai.usage.input_tokens']) > 0);
    assert.ok(
      withUsage.some((s) => s.tags!['gen_ai.agent.name']?.includes('deep-research')),
      'Deep Research usage',
    );
    assert.ok(withUsage.every((s) => Number(s.tags!['gen_ai.usage.output_tokens']) >= 0));

    // Each webhook delivery's handling, parented to the Gemini call that created its job (through the traceparent in
    // user_metadata), with verify and route steps, and its signal the parent of the workflow's signal handling.
    for (const delivery of deliveries) {
      // A delivery Gemini sent again (after a 503) has a span per attempt; one of them signaled.
      const handled = spans.filter(
        (s) =>
          s.tags?.['geminiflow.webhook.id'] === delivery.webhookId &&
          s.tags['geminiflow.delivery.outcome'] === 'signaled',
      );
      assert.equal(handled.length, 1, `delivery ${delivery.webhookId} (${delivery.eventType})`);
      const span = handled[0]!;
      assert.equal(service(span), 'geminiflow-receiver');
      assert.equal(span.tags!['geminiflow.event.type'], delivery.eventType);
      const creator = parentOf(span);
      assert.equal(
        creator?.tags?.['geminiflow.call'],
        'create',
        `${span.name} is a child of the call that made its job`,
      );
      assert.ok(creator?.tags?.['gen_ai.response.id']?.endsWith(delivery.resourceId.replace(/^batches\//, '')));
      assert.ok(
        spans.some((s) => s.parentId === span.id && s.name === 'verify'),
        `${span.name} has its verification`,
      );
      assert.equal(span.tags!['geminiflow.route'], 'workflow');
      assert.equal(span.tags!['geminiflow.route.trusted'], 'true');
      assert.ok(span.annotations?.some((a) => a.value === 'route'));
      const signal = spans.find((s) => s.parentId === span.id && s.name === 'signalworkflow:geminievent');
      assert.ok(signal, `${span.name} signals`);
      assert.ok(
        spans.some((s) => s.parentId === signal.id && s.name === 'handlesignal:geminievent'),
        'the workflow handles the signal in the same trace',
      );
    }

    // The waits, each ended by its webhook.
    const waits = spans.filter((s) => s.name?.startsWith('wait '));
    assert.ok(waits.length >= 4, `waits: ${waits.length}`);
    for (const wait of waits) assert.equal(wait.tags?.['geminiflow.wait.resolved_by'], 'webhook', wait.name);

    // The tool call and the person's approval: who decided and how long it took.
    const tool = named(spans, 'execute_tool publish')[0];
    assert.equal(tool?.tags?.['geminiflow.tool.handling'], 'approved');
    const approval = named(spans, 'approval publish')[0]!;
    assert.equal(approval.parentId, tool!.id);
    assert.equal(approval.tags!['geminiflow.approval.status'], 'approved');
    assert.equal(approval.tags!['geminiflow.approval.reviewer'], reviewer);
    assert.ok(Number(approval.tags!['geminiflow.approval.decision_ms']) >= 0);
    assert.ok(named(spans, 'RunActivity:runTool').length >= 1);

    // Privacy by default: no prompt or output text, no routing token or key.
    const everything = JSON.stringify(spans);
    assert.ok(!everything.includes(topic), 'the topic (prompt text) is on no span');
    assert.ok(!everything.includes(doc.body), 'the tool arguments are on no span');
    assert.ok(!everything.includes('geminiflow_token') && !/"v1\.[A-Za-z0-9_-]+\./.test(everything));
    const routingSecret = stack.workerEnv.GEMINIFLOW_ROUTING_KEYS!.split(':')[1]!;
    assert.ok(!everything.includes(routingSecret));

    // The trace in Zipkin's own UI, for docs/observability.md.
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.setViewportSize({ width: 1400, height: 1150 });
      await page.goto(`${zipkin.url}/zipkin/traces/${traceId[0]}`);
      // The first webhook's handling selected: its tags (event, outcome, workflow) show beside the timeline.
      const webhook = page.getByText('webhook interaction.completed').first();
      await webhook.waitFor({ timeout: 60_000 });
      await webhook.click();
      await page.getByText('geminiflow.delivery.outcome').waitFor({ timeout: 10_000 });
      await screenshot(page, 'trace-pipeline.png');
    } finally {
      await browser.close();
    }
  });

  it("links a static webhook's handling, routed by resource id, to the trace of the run it resumes", async () => {
    // Registered webhooks only, and a job made outside geminiflow: its delivery carries no user_metadata.
    const { workflowId, webhookId, stop } = await runEndedByStaticWebhook(bundle, 'static');
    try {
      const span = await eventually(async () => {
        await flushTracing();
        const [traceId] = await zipkin.traceIdsTagged('geminiflow.webhook.id', webhookId);
        const spans = traceId ? await zipkin.trace(traceId) : [];
        return spans.find((s) => s.kind === 'SERVER' && s.tags?.['geminiflow.delivery.outcome'] === 'signaled');
      }, "the static delivery's span");
      assert.equal(span.tags!['geminiflow.route'], 'owner-lookup');
      assert.equal(span.tags!.temporalWorkflowId, workflowId);
      // The trace the run was started in: the client's StartWorkflow, found by the run's own workflow id.
      const runTrace = await eventually(async () => {
        for (const id of await zipkin.traceIdsTagged('temporalWorkflowId', workflowId)) {
          if (named(await zipkin.trace(id), 'StartWorkflow:waitForGeminiJob').length) return id;
        }
        return undefined;
      }, 'the run in Zipkin');
      assert.notEqual(span.traceId, runTrace, 'a static delivery starts a trace of its own');
      assert.equal(span.tags!['geminiflow.run.trace_id'], runTrace, 'and is linked to the run');
    } finally {
      await stop();
    }
  });

  it('keeps saved histories replaying on a traced worker (its spans schedule nothing)', async () => {
    const histories = savedHistories();
    const tracing = tracingFor('worker');
    assert.ok(tracing, 'tracing is on in this file');
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories(
      {
        replayName: 'geminiflow-traced-replay',
        workflowBundle: { codePath: bundle },
        plugins: [temporalTracingPlugin(tracing)],
      },
      histories.map((h) => ({ workflowId: h.workflowId, history: h.history })),
    )) {
      replayed++;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    assert.equal(replayed, histories.length);
    assert.deepEqual(failures, []);
  });
});
