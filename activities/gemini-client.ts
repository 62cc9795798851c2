import { GoogleGenAI } from '@google/genai';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { GeminiflowFailure, type GeminiResourceKind } from '../contract';
import { traceparentField } from '../routing/envelope';
import { mintRoutingToken, routingTokenField } from '../routing/token';
import { type GeminiCall, geminiSpan } from '../tracing/gen-ai';
import type { Tracing } from '../tracing/provider';
import { activeTraceparent } from '../tracing/spans';
import type { GeminiflowConfig } from './config';

/** What every Gemini activity shares: one SDK client, and how jobs name the workflow that waits for them. */
export interface GeminiContext {
  ai: GoogleGenAI;
  /** `webhook_config` for a job the current workflow starts. */
  webhookConfig(purpose: GeminiResourceKind): JobWebhookConfig;
  outputDir: string;
  /** Set when the OTEL_* variables turn tracing on: each Gemini call then gets a span (see `traced`). */
  tracing?: Tracing;
  /** Runs an SDK call in a GenAI span (when tracing), turning its error into one that holds only Gemini's words. */
  traced<T>(call: GeminiCall, fn: () => Promise<T>): Promise<T>;
}

/** `webhook_config` for a job, in the snake_case the Interactions API and the Batch API require. */
export interface JobWebhookConfig {
  uris?: string[];
  user_metadata: Record<string, string>;
}

/** The SDK client for configured Gemini settings: the real API, or the emulator at its base URL. */
export function geminiClientFor({ apiKey, baseUrl }: GeminiflowConfig['gemini']): GoogleGenAI {
  return new GoogleGenAI({ apiKey, ...(baseUrl ? { httpOptions: { baseUrl } } : {}) });
}

export function createGeminiContext(config: GeminiflowConfig, tracing?: Tracing): GeminiContext {
  const ai = geminiClientFor(config.gemini);
  return {
    ai,
    outputDir: config.outputDir,
    tracing,
    traced: (call, fn) => geminiSpan(tracing, call, () => callGemini(fn)),
    // Every job names the workflow that owns it (vouched for by a routing token), so the receiver can route its
    // events; the receiver's public URL is added when configured (otherwise events go to the registered webhooks).
    // When tracing, the span of the call that creates the job goes along too, so the handling of its webhook joins
    // the pipeline's trace (Gemini's deliveries carry no trace header of their own).
    webhookConfig: (purpose) => {
      const workflowId = currentWorkflowId();
      const token = config.routingKey && mintRoutingToken(config.routingKey, workflowId, purpose);
      const traceparent = tracing && activeTraceparent();
      return {
        ...(config.webhookUrl ? { uris: [config.webhookUrl] } : {}),
        user_metadata: {
          temporal_workflow_id: workflowId,
          ...(token ? { [routingTokenField]: token } : {}),
          ...(traceparent ? { [traceparentField]: traceparent } : {}),
        },
      };
    },
  };
}

/** The workflow that runs the current activity. */
export function currentWorkflowId(): string {
  const execution = Context.current().info.workflowExecution;
  // Standalone activities have no workflow; every geminiflow job is started by one.
  if (!execution) {
    throw ApplicationFailure.nonRetryable('Gemini jobs are started from workflows only', GeminiflowFailure.noWorkflow);
  }
  return execution.workflowId;
}

/**
 * SDK errors carry the HTTP status and Gemini's error body. Only those are kept, so nothing request-side (headers, the
 * key) can reach workflow history.
 */
export function describeGeminiError(err: unknown): { status?: number; message: string } {
  const e = err as { status?: number; message?: string; error?: { error?: { message?: string } } };
  const message = e?.error?.error?.message ?? e?.message ?? String(err);
  return { status: typeof e?.status === 'number' ? e.status : undefined, message: message.slice(0, 500) };
}

export function isNotFound(err: unknown): boolean {
  return describeGeminiError(err).status === 404;
}

/** Runs an SDK call, turning its error into one that holds only Gemini's status and message. */
export async function callGemini<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw geminiFailure(err);
  }
}

export function geminiFailure(err: unknown): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const { status, message } = describeGeminiError(err);
  // A 4xx other than timeout/conflict/throttling will not get better by retrying.
  const permanent = status !== undefined && status >= 400 && status < 500 && ![408, 409, 429].includes(status);
  const retryDelayMs = status === 429 ? retryDelayOf(err) : undefined;
  return ApplicationFailure.create({
    message: `Gemini API error${status ? ` ${status}` : ''}: ${message}`,
    type: status ? `GeminiHttp${status}` : 'GeminiError',
    nonRetryable: permanent,
    // Gemini says when its quota admits the next request; retries spread over twice that, so they do not all return at
    // the same moment. Otherwise the activity's retry policy backs off.
    ...(retryDelayMs !== undefined ? { nextRetryDelay: Math.round(retryDelayMs * (1 + Math.random())) } : {}),
  });
}

/**
 * The `google.rpc.RetryInfo` delay of a 429 ("27s"). The interactions client parses the error body (`err.error`); the
 * legacy client (batches, files, models) keeps it as JSON text in the message.
 */
function retryDelayOf(err: unknown): number | undefined {
  const e = err as { error?: { error?: { details?: unknown } }; message?: unknown };
  let details = e?.error?.error?.details;
  if (details === undefined && typeof e?.message === 'string' && e.message.includes('retryDelay')) {
    try {
      details = (JSON.parse(e.message.slice(e.message.indexOf('{'))) as { error?: { details?: unknown } }).error
        ?.details;
    } catch {
      return undefined;
    }
  }
  if (!Array.isArray(details)) return undefined;
  const delay = details.map((d) => (d as { retryDelay?: unknown })?.retryDelay).find((d) => typeof d === 'string');
  const seconds = typeof delay === 'string' ? Number.parseFloat(delay) : NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds, 300) * 1000 : undefined;
}
