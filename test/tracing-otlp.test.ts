import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { agentWorkflow } from '../example/agent';
import { flushTracing } from '../tracing/provider';
import { bundleWorkflows } from '../worker/bundle';
import { decideApprovalUpdate, pendingApprovalsQuery } from '../workflows';
import { call, model } from './helpers/emulated-model';
import { eventually } from './helpers/eventually';
import { type GeminiStack, startGeminiStack } from './helpers/gemini-stack';
import { type JaegerSpan, type RunningJaeger, startJaeger } from './helpers/jaeger';
import { testTmpDir } from './helpers/temporal';

const reviewer = 'editor@example.com';
const parts = ['geminiflow-client', 'geminiflow-receiver', 'geminiflow-worker'];

/**
 * The OTLP path users normally take, end to end: every part of geminiflow exports OTLP (http/protobuf, the default)
 * to the endpoint OTEL_EXPORTER_OTLP_ENDPOINT names, here a real Jaeger built from its Go module, and the test reads
 * the pipeline back through Jaeger's query API as one connected trace. (test/tracing.test.ts exports the same kind of
 * pipeline to Zipkin, whose UI it photographs.)
 */
describe('tracing a pipeline over OTLP into Jaeger', () => {
  let jaeger: RunningJaeger;
  let stack: GeminiStack;

  before(async () => {
    jaeger = await startJaeger();
    // Tracing is on only because these standard variables say so; the parts read them when they start.
    Object.assign(process.env, {
      OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpHttpUrl,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_BSP_SCHEDULE_DELAY: '200',
    });
    // A traced worker needs Temporal's workflow interceptors in its bundle (the run's shared bundle has none).
    const bundle = await bundleWorkflows(
      path.join(testTmpDir(), 'traced-workflows.js'),
      require.resolve('./fixtures/workflows'),
      { tracing: true },
    );
    stack = await startGeminiStack({ emulator: { durations: { interactionMs: 200 } }, worker: false });
    await stack.startWorker({ ...stack.workerOptions, workflowsPath: undefined, workflowBundlePath: bundle });
  });
  after(async () => {
    await stack?.stop();
    await jaeger?.stop();
  });

  it('yields one connected trace: the Gemini call, the webhook that ended its job, the signal, the approved tool', async () => {
    const doc = { title: `Traced ${randomUUID().slice(0, 8)}`, body: 'Exported over OTLP.' };
    const workflowId = `otlp-traced-agent-${randomUUID()}`;
    const handle = await stack.client.workflow.start(agentWorkflow, {
      taskQueue: stack.taskQueue,
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
    const result = await handle.result();
    assert.equal(result.endedBy, 'answered');

    // The webhooks the emulator delivered for this run's jobs: the model asking for the tool, then its answer.
    const deliveries = stack.emulator.control.inspect
      .deliveries()
      .filter((d) => d.status === 'delivered' && d.eventType.startsWith('interaction.'));
    assert.deepEqual(deliveries.map((d) => d.eventType).sort(), ['interaction.completed', 'interaction.requires_action']);

    // Found the way a person would: the client's service, searched by the run's workflow id.
    await flushTracing();
    const traceIds = await eventually(async () => {
      const ids = await jaeger.traceIds(
        'geminiflow-client',
        { temporalWorkflowId: workflowId },
        'StartWorkflow:agentWorkflow',
      );
      return ids.length ? ids : undefined;
    }, 'the run in Jaeger');
    assert.equal(traceIds.length, 1, `the run is in one trace, not ${traceIds.length}`);
    const traceId = traceIds[0]!;
    // Spans arrive in batches from three parts; wait until the last webhook's handling is in.
    const spans = await eventually(
      async () => {
        await flushTracing();
        const all = await jaeger.trace(traceId);
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
    assert.deepEqual((await jaeger.services()).filter((s) => parts.includes(s)).sort(), parts);
    for (const d of deliveries) {
      assert.deepEqual(
        await jaeger.traceIds('geminiflow-receiver', { 'geminiflow.webhook.id': d.webhookId }),
        [traceId],
        `the receiver's service finds delivery ${d.webhookId} in the same trace`,
      );
    }

    // Connected: every span in the one trace, one root (the client's start), every parent there, and no parent
    // Jaeger itself found invalid. (Its other warnings are about timestamps: Temporal's spans have millisecond
    // resolution, and a workflow's spans take the workflow's time, so a signal handler's span lasts no time at all.)
    assert.deepEqual([...new Set(spans.map((s) => s.traceId))], [traceId]);
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
    const parentOf = (s: JaegerSpan) => (s.parentId ? byId.get(s.parentId) : undefined);
    const childrenOf = (s: JaegerSpan, name: string) => spans.filter((c) => c.parentId === s.id && c.name === name);
    const run = spans.find((s) => s.name === 'RunWorkflow:agentWorkflow')!;
    assert.equal(run.service, 'geminiflow-worker');

    // Each delivery: the receiver's span a child of the worker's Gemini call that created its job (the traceparent it
    // put in user_metadata), verified and routed there, and its signal the parent of the workflow's signal handling,
    // which starts after the delivery did.
    for (const delivery of deliveries) {
      const handled = spans.filter(
        (s) =>
          s.tags['geminiflow.webhook.id'] === delivery.webhookId && s.tags['geminiflow.delivery.outcome'] === 'signaled',
      );
      assert.equal(handled.length, 1, `delivery ${delivery.webhookId} (${delivery.eventType})`);
      const span = handled[0]!;
      assert.equal(span.service, 'geminiflow-receiver');
      assert.equal(span.kind, 'server');
      assert.equal(span.name, `webhook ${delivery.eventType}`);
      assert.equal(span.tags['geminiflow.event.type'], delivery.eventType);
      assert.equal(span.tags['geminiflow.route'], 'workflow');
      assert.equal(span.tags['geminiflow.route.trusted'], 'true');
      assert.equal(span.tags.temporalWorkflowId, workflowId);
      assert.ok(span.events.includes('route'), 'its routing is an event on the span');

      const creator = parentOf(span);
      assert.equal(creator?.service, 'geminiflow-worker');
      assert.equal(creator.kind, 'client');
      assert.equal(creator.name, `chat ${model}`);
      assert.equal(creator.tags['geminiflow.call'], 'create', `${span.name} is a child of the call that made its job`);
      assert.equal(creator.tags['gen_ai.operation.name'], 'chat');
      assert.equal(creator.tags['gen_ai.provider.name'], 'gcp.gemini');
      assert.equal(creator.tags['gen_ai.response.id'], delivery.resourceId);
      assert.ok(span.start >= creator.start, 'the delivery comes after the call that created its job');
      // That call ran inside the workflow's activity, in the run's trace.
      assert.equal(parentOf(creator)?.name, 'RunActivity:createAgentInteraction');

      assert.equal(childrenOf(span, 'verify').length, 1, `${span.name} has its verification`);
      const [signal] = childrenOf(span, 'SignalWorkflow:geminiEvent');
      assert.ok(signal, `${span.name} signals`);
      assert.equal(signal.service, 'geminiflow-receiver');
      const [handling] = childrenOf(signal, 'HandleSignal:geminiEvent');
      assert.ok(handling, 'the workflow handles the signal in the same trace');
      assert.equal(handling.service, 'geminiflow-worker');
      assert.ok(handling.start >= span.start, 'the signal is handled after the delivery arrived');

      // The wait this delivery ended.
      const wait = spans.find((s) => s.name === 'wait interaction' && s.tags['geminiflow.webhook.id'] === delivery.webhookId);
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
    const toolRun = spans.find((s) => s.name === 'RunActivity:runTool');
    assert.equal(toolRun?.tags['gen_ai.tool.name'], 'publish');
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
      return updateSpans.some((s) => s.parentId === update?.id && s.name === 'HandleUpdate:decideApproval') || undefined;
    }, "the decision's update reaching the workflow's handler in its trace");

    // No prompt or document text by default.
    assert.ok(!JSON.stringify(spans).includes(doc.body), 'the tool arguments are on no span');
  });
});
