import {
  type Attributes,
  type Context,
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  type Span,
  type SpanOptions,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { Tracing } from './provider';

/** Text put on spans only with OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true, and cut to this many chars. */
export const maxContentChars = 8000;

export function contentAttribute(tracing: Tracing, value: unknown): string | undefined {
  if (!tracing.captureContent || value === undefined) return undefined;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > maxContentChars ? `${text.slice(0, maxContentChars)}…` : text;
}

/** Sets the attributes that have a value. */
export function setDefined(span: Span, attributes: Record<string, string | number | boolean | undefined>): void {
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) span.setAttribute(key, value);
}

/**
 * Runs `fn` in a span of its own (the active span's child, or `options`' parent), ending it with an error status when
 * `fn` throws. Without tracing it only runs `fn`.
 */
export async function inSpan<T>(
  tracing: Tracing | undefined,
  name: string,
  options: SpanOptions & { parent?: Context; attributes?: Attributes },
  fn: (span: Span | undefined) => Promise<T>,
): Promise<T> {
  if (!tracing) return fn(undefined);
  const { parent, ...spanOptions } = options;
  return tracing.tracer.startActiveSpan(name, spanOptions, parent ?? context.active(), async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message?.slice(0, 300) });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** The W3C `traceparent` of the active span, as carried in a job's user_metadata; undefined without one. */
export function activeTraceparent(): string | undefined {
  const active = trace.getActiveSpan()?.spanContext();
  if (!active || !isSpanContextValid(active)) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/** The trace context a job's user_metadata carried, as a parent for the span of its webhook's handling. */
export function contextFromTraceparent(traceparent: string | undefined): Context | undefined {
  if (!traceparent) return undefined;
  const extracted = propagation.extract(ROOT_CONTEXT, { traceparent });
  const span = trace.getSpanContext(extracted);
  return span && isSpanContextValid(span) ? extracted : undefined;
}
