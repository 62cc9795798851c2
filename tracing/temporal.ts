import { type Context, context, propagation, ROOT_CONTEXT } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ClientInterceptors } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';
import type { BundlerPlugin } from '@temporalio/worker';
import { loadTracingPackage, type TracedPart, type Tracing, tracingFor } from './provider';

type TemporalOtel = typeof import('@temporalio/interceptors-opentelemetry');
const temporalOtel = () => loadTracingPackage<TemporalOtel>('@temporalio/interceptors-opentelemetry');

/**
 * Temporal's own OpenTelemetry plugin on `tracing`'s provider: client, activity and workflow interceptors (spans for
 * starting and running workflows, activities, children, signals and updates, carried across in Temporal headers), and
 * the sink that takes workflow spans out of the isolates.
 */
export function temporalTracingPlugin(tracing: Tracing): OpenTelemetryPlugin {
  const { OpenTelemetryPlugin } = temporalOtel();
  return new OpenTelemetryPlugin({
    resource: tracing.sdk.resource as Resource,
    spanProcessor: withoutRunData(tracing.sdk.spanProcessor as SpanProcessor),
    tracer: tracing.tracer,
  });
}

/** What a workflow span may keep of the run's info: who the run is, never what it holds. */
const runIdentity = new Set(['workflowId', 'runId', 'workflowType', 'taskQueue', 'namespace', 'attempt']);

/**
 * Temporal's sink copies the whole WorkflowInfo onto every workflow span, the run's memo, search attributes and last
 * result included: the pending calls' arguments (published in the memo) would reach the trace backend, against the
 * rule that no prompt, argument or result is on a span unless the user opts in. Keeps the run's identity, Temporal's
 * own attributes and the dotted names of semantic conventions (ours: `gen_ai.*`, `geminiflow.*`).
 */
function withoutRunData(processor: SpanProcessor): SpanProcessor {
  const keep = (key: string) =>
    key.includes('.') || key.startsWith('temporal') || key === 'run_id' || runIdentity.has(key);
  return {
    onStart: (span, ctx) => processor.onStart(span, ctx),
    onEnd: (span) => {
      const attributes = span.attributes as Record<string, unknown>;
      for (const key of Object.keys(attributes)) if (!keep(key)) delete attributes[key];
      processor.onEnd(span);
    },
    forceFlush: () => processor.forceFlush(),
    shutdown: () => processor.shutdown(),
  };
}

/**
 * Adds Temporal's OpenTelemetry workflow interceptors to a workflow bundle, for a traced worker to run it later.
 * Bundling needs no exporter: only the plugin's bundler half is used, which reads neither resource nor processor.
 */
export function tracingBundlerPlugin(): BundlerPlugin {
  const { OpenTelemetryPlugin } = temporalOtel();
  const plugin = new OpenTelemetryPlugin({ resource: undefined!, spanProcessor: undefined! });
  return { name: plugin.name, configureBundler: (options) => plugin.configureBundler(options) };
}

/** The client interceptors that start a trace when a client starts, signals or updates a workflow; none when off. */
export function tracingClientInterceptors(part: TracedPart = 'client'): ClientInterceptors | undefined {
  const tracing = tracingFor(part);
  if (!tracing) return undefined;
  const { OpenTelemetryWorkflowClientInterceptor } = temporalOtel();
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer: tracing.tracer })] };
}

/**
 * The Temporal header Temporal's interceptors carry a trace context in (their TRACE_HEADER): a text map through the
 * default payload converter. The receiver signals through the raw service call, so it writes this header itself.
 */
export const temporalTraceHeader = '_tracer-data';

/** Header fields that make the workflow's signal span a child of `ctx`'s span; undefined when there is none. */
export function temporalTraceHeaderFields(ctx: Context = context.active()): Record<string, Payload> | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  if (!carrier.traceparent) return undefined;
  return { [temporalTraceHeader]: defaultPayloadConverter.toPayload(carrier) };
}

/** The trace context a run's start recorded in its header (its starter's span), if any. */
export function contextFromTemporalHeader(fields: Record<string, Payload> | null | undefined): Context | undefined {
  const payload = fields?.[temporalTraceHeader];
  if (!payload) return undefined;
  try {
    const carrier = defaultPayloadConverter.fromPayload<Record<string, string>>(payload);
    return carrier && typeof carrier === 'object' ? propagation.extract(ROOT_CONTEXT, carrier) : undefined;
  } catch {
    return undefined;
  }
}
