import { z } from 'zod';
import { envSchema, parseEnv } from '../common/env';

/** Where spans go: the exporters OTEL_TRACES_EXPORTER names (OTLP by default when an OTLP endpoint is set). */
export type TraceExporterName = 'otlp' | 'zipkin' | 'console';

export interface TracingSettings {
  exporters: TraceExporterName[];
  /** OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL; the specification's default. */
  otlpProtocol: 'http/protobuf' | 'http/json' | 'grpc';
  /** OTEL_SERVICE_NAME; unset: each part names itself (geminiflow-worker, geminiflow-receiver, geminiflow-client). */
  serviceName?: string;
  /**
   * Prompt and output text, tool arguments and results on spans (OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT,
   * the variable OpenTelemetry's GenAI instrumentations read). Off by default: a trace backend is rarely a place for
   * what users wrote or what the model answered.
   */
  captureContent: boolean;
}

const exporterNames = ['otlp', 'zipkin', 'console', 'none'] as const;
const flag = z
  .string()
  .transform((v) => v.trim().toLowerCase())
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' }))
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const schema = envSchema({
  OTEL_SDK_DISABLED: flag.optional(),
  OTEL_TRACES_EXPORTER: z
    .string()
    .transform((v) => [...new Set(v.split(',').map((s) => s.trim().toLowerCase()))].filter(Boolean))
    .pipe(
      z.array(
        z.enum(exporterNames, {
          error: (issue) =>
            `"${String(issue.input).slice(0, 40)}" is not an exporter geminiflow knows: otlp, zipkin, console or none ` +
            '(Jaeger takes OTLP: use otlp)',
        }),
      ),
    )
    .optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.string().optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(['http/protobuf', 'http/json', 'grpc']).optional(),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: z.enum(['http/protobuf', 'http/json', 'grpc']).optional(),
  OTEL_SERVICE_NAME: z.string().optional(),
  OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: flag.optional(),
});

/**
 * Whether tracing is on, from the standard OpenTelemetry variables alone: off unless OTEL_TRACES_EXPORTER names an
 * exporter or an OTLP endpoint is set (then OTLP), and always off with OTEL_SDK_DISABLED=true or
 * OTEL_TRACES_EXPORTER=none. Undefined means off: nothing is loaded and no span is made.
 */
export function tracingSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): TracingSettings | undefined {
  const c = parseEnv(schema, env, 'tracing settings (OTEL_*)');
  if (c.OTEL_SDK_DISABLED) return undefined;
  const named = c.OTEL_TRACES_EXPORTER;
  const exporters: TraceExporterName[] =
    named !== undefined
      ? named.includes('none')
        ? []
        : (named as TraceExporterName[])
      : c.OTEL_EXPORTER_OTLP_ENDPOINT || c.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
        ? ['otlp']
        : [];
  if (exporters.length === 0) return undefined;
  return {
    exporters,
    otlpProtocol: c.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? c.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf',
    serviceName: c.OTEL_SERVICE_NAME,
    captureContent: c.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT ?? false,
  };
}
