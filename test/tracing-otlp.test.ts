import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DeliveryRecord } from '../emulator';
import { agentWorkflow } from '../example/agent';
import { flushTracing } from '../tracing/provider';
import { bundleWorkflows } from '../worker/bundle';
import { decideApprovalUpdate, pendingApprovalsQuery } from '../workflows';
import { call, model } from './helpers/emulated-model';
import { eventually } from './helpers/eventually';
import { type GeminiStack, startGeminiStack } from './helpers/gemini-stack';
import { type JaegerSpan, type RunningJaeger, startJaeger } from './helpers/jaeger';
import { receiverUrlOf, spawnEntryPoint, type TestProcess } from './helpers/processes';
import { runEndedByStaticWebhook } from './helpers/static-webhook';
import { testTmpDir, uniqueTaskQueue } from './helpers/temporal';

const reviewer = 'editor@example.com';
const parts = ['geminiflow-client', 'geminiflow-receiver', 'geminiflow-worker'];

/**
 * The OTLP path users normally take, end to end: every part of geminiflow exports OTLP to the endpoint
 * OTEL_EXPORTER_OTLP_ENDPOINT names, here a real Jaeger built from its Go module, and the test reads the run back
 * through Jaeger's query API as one connected trace: the Gemini call that created a job, the webhook delivery that
 * ended it, the workflow's handling of the signal, and the tool call a person approved. (test/tracing.test.ts exports a
 * larger pipeline to Zipkin, whose UI it photographs.)
 */
describe('tracing a run over OTLP into Jaeger', () => {
  let jaeger: RunningJaeger;
  let stack: GeminiStack;
  let bundle: string;

  before(async () => {
    jaeger = await startJaeger();
    // Tracing is on only because these standard variables say so; the parts read them when they start.
    Object.assign(process.env, {
      OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpHttpUrl,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_BSP_SCHEDULE_DELAY: '200',
    });
    // A traced worker needs Temporal's workflow interceptors in its bundle (the run's shared bundle has none).
    bundle = await bundleWorkflows(
      path.join(testTmpDir(), 'traced-workflows.js'),
      require.resolve('./fixtures/workflows'),
      { tracing: true },
    );
    stack = await startGeminiStack({ emulator: { durations: { interactionMs: 200 } }, worker: false });
  });
  after(async () => {
    await stack?.stop();
    await jaeger?.stop();
  });

  /**
   * An agent whose first interaction asks to `publish` (a tool a person must approve), approved, then answered by a
   * second interaction; each interaction a background job ended by its webhook. Returns the run's id and the two
   * deliveries.
   */
  async function runApprovedAgent(taskQueue: string, doc: { title: string; body: string }) {
    const workflowId = `otlp-traced-agent-${randomUUID()}`;
    const handle = await stack.client.workflow.start(agentWorkflow, {
      taskQueue,
      workflowId,
      args: [{ model, tools: ['publish'], conversation: false, message: `Publish it. ${call('publish', doc)}` }],
    });
    const [pending] = await eventually(
      async () => {
        const list = await handle.query(pendingApprovalsQuery).catch(() => undefined);
        return list?.length ? list : undefined;
      },
      'the pending publish',
      120_000,
    );
    await handle.executeUpdate(decideApprovalUpdate, { args: [{ callId: pending!.callId, approve: true, reviewer }] });
    assert.equal((await handle.result()).endedBy, 'answered');
    // Per-request deliveries carry the job's user_metadata, the run's workflow id in it.
    const deliveries = stack.emulator.control.inspect
      .deliveries()
      .filter((d) => d.status === 'delivered' && d.body.includes(workflowId));
    assert.deepEqual(deliveries.map((d) => d.eventType).sort(), [
      'interaction.completed',
      'interaction.requires_action',
    ]);
    return { workflowId, deliveries };
  }

  /** The run's trace, found as a person would (the client's service, by workflow id), once every part's spans are in. */
  async function runTrace(workflowId: string, deliveries: DeliveryRecord[]): Promise<JaegerSpan[]> {
    await flushTracing();
    const traceIds = await eventually(
      async () => {
        const ids = await jaeger.traceIds(
          'geminiflow-client',
          { temporalWorkflowId: workflowId },
          'StartWorkflow:agentWorkflow',
        );
        return ids.length ? ids : undefined;
      },
      'the run in Jaeger',
      60_000,
    );
    assert.equal(traceIds.length, 1, `the run is in one trace, not ${traceIds.length}`);
    // Spans arrive in batches from three parts; wait until the last webhook's handling is in.
    return eventually(
      async () => {
        await flushTracing();
        const all = await jaeger.trace(traceIds[0]!);
        const handled = new Set(all.filter((s) => s.kind === 'server').map((s) => s.tags['geminiflow.webhook.id']));
        const complete =
          deliveries.every((d) => handled.has(d.webhookId)) &&
          all.some((s) => s.name === 'approval publish') &&
          all.some((s) => s.name === 'RunWorkflow:agentWorkflow') &&
          all.filter((s) => s.name === 'HandleSignal:geminiEvent').length >= deliveries.length;
        return complete ? all : undefined;
      },
      'every delivery, its signal handling, the approval and the run in the trace',
      60_000,
    );
  }

  /** One connected trace of the three parts: each delivery under the call that created its job, the approved tool. */
  function assertConnectedRun(spans: JaegerSpan[], workflowId: string, deliveries: DeliveryRecord[]) {
    // Connected: one root (the client's start), every parent in the trace, and no parent Jaeger itself found invalid.
    // (Its other warnings are about timestamps: Temporal's spans have millisecond resolution, and a workflow's spans
    // take the workflow's time, so a signal handler's span lasts no time at all.)
    assert.equal(new Set(spans.map((s) => s.traceId)).size, 1);
    assert.deepEqual(
      spans.filter((s) => !s.parentId).map((s) => [s.service, s.name]),
      [['geminiflow-client', 'StartWorkflow:agentWorkflow']],
    );
    const byId = new Map(spans.map((s) => [s.id, s]));
    assert.deepEqual(
      spans.filter((s) => s.parentId && !byId.has(s.parentId)).map((s) => s.name),
      [],
      'no orphan parents',
    );
    assert.deepEqual(
      spans.flatMap((s) => s.warnings.filter((w) => /parent/i.test(w)).map((w) => `${s.name}: ${w}`)),
      [],
    );
    assert.deepEqual([...new Set(spans.map((s) => s.service))].sort(), parts);
    assert.equal(spans.find((s) => s.name === 'RunWorkflow:agentWorkflow')?.service, 'geminiflow-worker');
    const parentOf = (s: JaegerSpan) => (s.parentId ? byId.get(s.parentId) : undefined);
    const childrenOf = (s: JaegerSpan, name: string) => spans.filter((c) => c.parentId === s.id && c.name === name);

    // Each delivery: the receiver's span a child of the worker's Gemini call that created its job (the traceparent it
    // put in user_metadata), verified and routed there, and its signal the parent of the workflow's signal handling,
    // which starts after the delivery did.
    for (const delivery of deliveries) {
      const handled = spans.filter(
        (s) =>
          s.tags['geminiflow.webhook.id'] === delivery.webhookId &&
          s.tags['geminiflow.delivery.outcome'] === 'signaled',
      );
      assert.equal(handled.length, 1, `delivery ${delivery.webhookId} (${delivery.eventType})`);
      const span = handled[0]!;
      assert.equal(span.service, 'geminiflow-receiver');
      assert.equal(span.kind, 'server');
      assert.equal(span.name, `webhook ${delivery.eventType}`);
      assert.equal(span.tags['geminiflow.route'], 'workflow');
      assert.equal(span.tags['geminiflow.route.trusted'], 'true');
      assert.equal(span.tags.temporalWorkflowId, workflowId);
      assert.ok(span.events.includes('route'), 'its routing is an event on the span');

      const creator = parentOf(span);
      assert.equal(creator?.service, 'geminiflow-worker', `${span.name} is a child of the call that made its job`);
      assert.equal(creator.kind, 'client');
      assert.equal(creator.name, `chat ${model}`);
      assert.equal(creator.tags['geminiflow.call'], 'create');
      assert.equal(creator.tags['gen_ai.operation.name'], 'chat');
      assert.equal(creator.tags['gen_ai.provider.name'], 'gcp.gemini');
      assert.equal(creator.tags['gen_ai.response.id'], delivery.resourceId);
      assert.ok(span.start >= creator.start, 'the delivery comes after the call that created its job');
      // That call ran inside the workflow's activity, in the run's trace.
      assert.equal(parentOf(creator)?.name, 'RunActivity:createAgentInteraction');

      assert.equal(childrenOf(span, 'verify').length, 1, `${span.name} has its verification`);
      const [signal] = childrenOf(span, 'SignalWorkflow:geminiEvent');
      assert.equal(signal?.service, 'geminiflow-receiver', `${span.name} signals`);
      const [handling] = childrenOf(signal, 'HandleSignal:geminiEvent');
      assert.equal(handling?.service, 'geminiflow-worker', 'the workflow handles the signal in the same trace');
      assert.ok(handling.start >= span.start, 'the signal is handled after the delivery arrived');

      // The wait this delivery ended.
      const wait = spans.find(
        (s) => s.name === 'wait interaction' && s.tags['geminiflow.webhook.id'] === delivery.webhookId,
      );
      assert.equal(wait?.tags['geminiflow.wait.resolved_by'], 'webhook');
      assert.equal(wait.tags['geminiflow.resource.id'], delivery.resourceId);
    }

    // The approved tool call: the person's decision, who made it, and the tool's run, all in the same trace.
    const tool = spans.find((s) => s.name === 'execute_tool publish');
    assert.equal(tool?.service, 'geminiflow-worker');
    assert.equal(tool.tags['geminiflow.tool.handling'], 'approved');
    assert.equal(tool.tags['gen_ai.tool.name'], 'publish');
    const [approval] = childrenOf(tool, 'approval publish');
    assert.equal(approval?.tags['geminiflow.approval.status'], 'approved');
    assert.equal(approval.tags['geminiflow.approval.reviewer'], reviewer);
    assert.ok(Number(approval.tags['geminiflow.approval.decision_ms']) >= 0);
    assert.ok(approval.events.includes('approval.decided'));
    assert.equal(spans.find((s) => s.name === 'RunActivity:runTool')?.tags['gen_ai.tool.name'], 'publish');
  }

  it('yields one connected trace over OTLP/HTTP (http/protobuf): the Gemini call, its webhook, the signal, the approved tool', async () => {
    await stack.startWorker({ ...stack.workerOptions, workflowsPath: undefined, workflowBundlePath: bundle });
    const doc = { title: `Traced ${randomUUID().slice(0, 8)}`, body: 'Exported over OTLP.' };
    const { workflowId, deliveries } = await runApprovedAgent(stack.taskQueue, doc);
    const spans = await runTrace(workflowId, deliveries);
    assertConnectedRun(spans, workflowId, deliveries);

    // Jaeger's own listings: the three services, and each delivery found from the receiver's service too.
    assert.deepEqual((await jaeger.services()).filter((s) => parts.includes(s)).sort(), parts);
    for (const d of deliveries) {
      assert.deepEqual(
        await jaeger.traceIds('geminiflow-receiver', { 'geminiflow.webhook.id': d.webhookId }),
        [spans[0]!.traceId],
        `the receiver's service finds delivery ${d.webhookId} in the run's trace`,
      );
    }
    // The update that carried the decision is a trace of its own (the test's call had none around it), from the
    // client to the workflow's handler.
    await eventually(async () => {
      await flushTracing();
      const [updateTrace] = await jaeger.traceIds(
        'geminiflow-client',
        { temporalWorkflowId: workflowId },
        'StartWorkflowUpdate:decideApproval',
      );
      const updateSpans = updateTrace ? await jaeger.trace(updateTrace) : [];
      const update = updateSpans.find((s) => s.name === 'StartWorkflowUpdate:decideApproval');
      return (
        updateSpans.some((s) => s.parentId === update?.id && s.name === 'HandleUpdate:decideApproval') || undefined
      );
    }, "the decision's update reaching the workflow's handler in its trace");
    // No document text by default, not even through the run's memo, where the pending call is published.
    assert.ok(!JSON.stringify(spans).includes(doc.body), 'the tool arguments are on no span');
    const runData = spans.filter((s) => ['memo', 'searchAttributes', 'lastResult'].some((key) => key in s.tags));
    assert.deepEqual(runData, [], "the run's memo and search attributes are on no span");
  });

  it('joins the same trace when the worker exports OTLP over gRPC and the receiver OTLP/HTTP as JSON', {
    timeout: 8 * 60_000,
  }, async () => {
    // The real entry points as separate processes, each configured only by its OTEL_* variables: the worker's
    // endpoint is Jaeger's gRPC receiver (an HTTP exporter could not deliver there), the client stays on http/protobuf.
    const otlp = (endpoint: string, protocol: string) => ({
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
    });
    const taskQueue = uniqueTaskQueue('otlp-processes');
    let receiver: TestProcess | undefined;
    let worker: TestProcess | undefined;
    try {
      receiver = spawnEntryPoint('receiver/main.ts', {
        ...otlp(jaeger.otlpHttpUrl, 'http/json'),
        TEMPORAL_ADDRESS: stack.workerEnv.TEMPORAL_ADDRESS!,
        TEMPORAL_NAMESPACE: stack.workerEnv.TEMPORAL_NAMESPACE!,
        GEMINIFLOW_ROUTING_KEYS: stack.workerEnv.GEMINIFLOW_ROUTING_KEYS!,
        GEMINI_JWKS_URL: stack.emulator.jwksUrl,
        RECEIVER_PORT: '0',
        RECEIVER_OPS_PORT: '0',
      });
      const receiverUrl = await receiverUrlOf(receiver, 120_000);
      worker = spawnEntryPoint(
        'example/worker.ts',
        {
          ...stack.workerEnv,
          ...otlp(jaeger.otlpGrpcUrl, 'grpc'),
          GEMINIFLOW_WEBHOOK_URL: receiverUrl,
          TEMPORAL_TASK_QUEUE: taskQueue,
        },
        ['--workflow-bundle', bundle],
      );
      await worker.waitFor(/worker started/, 'the worker to start', 120_000);

      const doc = { title: `Traced ${randomUUID().slice(0, 8)}`, body: 'Exported over gRPC and JSON.' };
      const { workflowId, deliveries } = await runApprovedAgent(taskQueue, doc);
      assert.ok(
        deliveries.every((d) => d.uri === receiverUrl),
        "the jobs' webhooks went to the receiver process",
      );
      const spans = await runTrace(workflowId, deliveries);
      assertConnectedRun(spans, workflowId, deliveries);
    } finally {
      await worker?.kill();
      await receiver?.kill();
    }
  });

  it("links a static webhook's trace to the run it resumes, as a link Jaeger keeps", async () => {
    // Registered webhooks only, and a job made outside geminiflow: its delivery carries no user_metadata, so its span
    // starts a trace of its own, linked to the trace the run was started in once the receiver finds the run.
    const { workflowId, webhookId, stop } = await runEndedByStaticWebhook(bundle, 'otlp-static');
    try {
      const span = await eventually(async () => {
        await flushTracing();
        const [traceId] = await jaeger.traceIds('geminiflow-receiver', {
          'geminiflow.webhook.id': webhookId,
        });
        const spans = traceId ? await jaeger.trace(traceId) : [];
        return spans.find((s) => s.kind === 'server' && s.tags['geminiflow.delivery.outcome'] === 'signaled');
      }, "the static delivery's span");
      assert.equal(span.tags['geminiflow.route'], 'owner-lookup');
      assert.equal(span.tags.temporalWorkflowId, workflowId);
      const runTrace = await eventually(async () => {
        const [id] = await jaeger.traceIds(
          'geminiflow-client',
          { temporalWorkflowId: workflowId },
          'StartWorkflow:waitForGeminiJob',
        );
        return id;
      }, 'the run in Jaeger');
      assert.notEqual(span.traceId, runTrace, 'a static delivery starts a trace of its own');
      assert.deepEqual(
        span.links.map((l) => l.traceId),
        [runTrace],
        'its link leads to the trace the run was started in',
      );
      const runSpans = await jaeger.trace(runTrace);
      assert.ok(
        runSpans.some((s) => s.id === span.links[0]!.spanId),
        'to a span of that trace',
      );
    } finally {
      await stop();
    }
  });
});
