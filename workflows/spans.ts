import { context, type Span, SpanStatusCode, trace } from '@opentelemetry/api';

/*
 * Spans of workflow code: the wait for a job, a tool call, a person's approval. They exist only when the worker traces
 * (Temporal's OpenTelemetry workflow interceptors install a tracer provider in the isolate and export its spans by
 * sink, never during replay); otherwise the API's no-op tracer makes nothing. A span is started and ended around code
 * as it stands, never by wrapping it in a function: that would add awaits, which can reorder what concurrent
 * coroutines schedule within one activation. A span adds no command, timer or marker, so what a workflow does is the
 * same with tracing on or off.
 */

/** Values may be undefined: those are left out. */
export type SpanAttributes = Record<string, string | number | boolean | string[] | undefined>;

function set(span: Span, attributes: SpanAttributes): void {
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) span.setAttribute(key, value);
}

/** A child span of `parent`, else of the active one (the run's span, or the handler's). */
export function startWorkflowSpan(name: string, attributes: SpanAttributes, parent?: Span): Span {
  const within = parent ? trace.setSpan(context.active(), parent) : context.active();
  const span = trace.getTracer('geminiflow').startSpan(name, {}, within);
  set(span, attributes);
  return span;
}

/** Ends the span with its outcome's attributes; `error` marks it failed. Ending twice is harmless. */
export function endWorkflowSpan(span: Span, attributes: SpanAttributes = {}, error?: string): void {
  if (!span.isRecording()) return;
  set(span, attributes);
  if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: error });
  span.end();
}
