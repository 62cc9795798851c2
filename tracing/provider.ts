import type { Tracer } from '@opentelemetry/api';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { SetupError } from '../common/errors';
import { type TracingSettings, tracingSettingsFromEnv } from './settings';

/** The parts of geminiflow that trace, each a service of its own unless OTEL_SERVICE_NAME names one for all. */
export type TracedPart = 'worker' | 'receiver' | 'client';

/** Tracing of one part of this process: its tracer, and what Temporal's workflow span exporter needs. */
export interface Tracing {
  tracer: Tracer;
  /** Prompt and output text, tool arguments and results go on spans only when the user opted in. */
  captureContent: boolean;
  /**
   * For Temporal's tracing plugin: the SDK's SpanProcessor every span of this part goes through (workflow spans arrive
   * from the isolates by sink) and the part's Resource. Untyped here: the SDK is an optional package, and this type is
   * part of geminiflow's public declarations, which must compile without it.
   */
  sdk: { spanProcessor: unknown; resource: unknown };
  /** Sends what is buffered; called when a worker or receiver stops, so a short run's spans are not lost. */
  flush(): Promise<void>;
}

/**
 * The OpenTelemetry SDK packages tracing needs. They are optional peer dependencies: a deployment that does not trace
 * installs none of them, and one that does installs the versions that match its Temporal SDK.
 */
const packages = {
  traceNode: '@opentelemetry/sdk-trace-node',
  traceBase: '@opentelemetry/sdk-trace-base',
  resources: '@opentelemetry/resources',
  otlpProto: '@opentelemetry/exporter-trace-otlp-proto',
  otlpJson: '@opentelemetry/exporter-trace-otlp-http',
  otlpGrpc: '@opentelemetry/exporter-trace-otlp-grpc',
  zipkin: '@opentelemetry/exporter-zipkin',
  temporal: '@temporalio/interceptors-opentelemetry',
} as const;

/** Loads an optional package, or says which ones to install and how to turn tracing off instead. */
export function loadTracingPackage<T>(name: (typeof packages)[keyof typeof packages]): T {
  try {
    return require(name) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
    throw new SetupError(
      `tracing is configured by the OTEL_* variables, but ${name} is not installed. Install the OpenTelemetry ` +
        `packages geminiflow traces with (the 1.x SDK line that @temporalio/interceptors-opentelemetry uses): npm ` +
        `install ${packages.temporal}@<your @temporalio version> ${packages.traceNode}@1 ${packages.resources}@1 ` +
        `${packages.otlpProto}@0.57 (and ${packages.zipkin}@1 for OTEL_TRACES_EXPORTER=zipkin), or unset the ` +
        'variables (OTEL_SDK_DISABLED=true) to run without tracing.',
    );
  }
}

function exporterFor(name: TracingSettings['exporters'][number], settings: TracingSettings): SpanExporter {
  if (name === 'zipkin') {
    const { ZipkinExporter } = loadTracingPackage<typeof import('@opentelemetry/exporter-zipkin')>(packages.zipkin);
    return new ZipkinExporter(); // OTEL_EXPORTER_ZIPKIN_ENDPOINT
  }
  if (name === 'console') {
    return new (loadTracingPackage<typeof import('@opentelemetry/sdk-trace-base')>(
      packages.traceBase,
    ).ConsoleSpanExporter)();
  }
  // Each OTLP exporter reads its endpoint, headers, timeout and compression from the OTEL_EXPORTER_OTLP_* variables.
  const pkg =
    settings.otlpProtocol === 'grpc'
      ? packages.otlpGrpc
      : settings.otlpProtocol === 'http/json'
        ? packages.otlpJson
        : packages.otlpProto;
  const { OTLPTraceExporter } = loadTracingPackage<{ OTLPTraceExporter: new () => SpanExporter }>(pkg);
  return new OTLPTraceExporter();
}

const parts = new Map<string, Tracing>();
let registered = false;

function startTracing(part: TracedPart, settings: TracingSettings): Tracing {
  const { NodeTracerProvider } = loadTracingPackage<typeof import('@opentelemetry/sdk-trace-node')>(packages.traceNode);
  const { BatchSpanProcessor } = loadTracingPackage<typeof import('@opentelemetry/sdk-trace-base')>(packages.traceBase);
  const { Resource, envDetectorSync, hostDetectorSync } = loadTracingPackage<typeof import('@opentelemetry/resources')>(
    packages.resources,
  );
  const detected = [hostDetectorSync, envDetectorSync].map((d) => d.detect());
  const resource = detected.reduce(
    (merged, r) => merged.merge(r),
    Resource.default().merge(new Resource({ 'service.name': `geminiflow-${part}` })),
  );
  // One processor (batching, OTEL_BSP_* settings) in front of every exporter named; workflow spans join it by sink.
  const processors = settings.exporters.map((name) => new BatchSpanProcessor(exporterFor(name, settings)));
  const spanProcessor: SpanProcessor =
    processors.length === 1
      ? processors[0]!
      : {
          onStart: (span, ctx) => {
            for (const p of processors) p.onStart(span, ctx);
          },
          onEnd: (span) => {
            for (const p of processors) p.onEnd(span);
          },
          forceFlush: async () => void (await Promise.all(processors.map((p) => p.forceFlush()))),
          shutdown: async () => void (await Promise.all(processors.map((p) => p.shutdown()))),
        };
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // The first part to trace installs the process's context manager (async hooks) and the W3C trace-context propagator
  // (OTEL_PROPAGATORS), unless the application registered its own first; every part keeps its own provider, so each
  // shows as a service of its own.
  if (!registered) {
    registered = true;
    provider.register();
  }
  return {
    tracer: provider.getTracer('geminiflow'),
    captureContent: settings.captureContent,
    sdk: { spanProcessor, resource },
    flush: () => provider.forceFlush(),
  };
}

/**
 * Tracing of `part` in this process, started on first use from the OTEL_* variables; undefined when they configure no
 * exporter, in which case nothing is loaded and nothing traced.
 */
export function tracingFor(part: TracedPart, env: NodeJS.ProcessEnv = process.env): Tracing | undefined {
  const settings = tracingSettingsFromEnv(env);
  if (!settings) return undefined;
  const service = settings.serviceName ?? `geminiflow-${part}`;
  let tracing = parts.get(service);
  if (!tracing) {
    tracing = startTracing(part, settings);
    parts.set(service, tracing);
  }
  return tracing;
}

/** Sends what every part of this process has buffered (a test, or a process about to exit, waits for it). */
export async function flushTracing(): Promise<void> {
  await Promise.all([...parts.values()].map((t) => t.flush()));
}
