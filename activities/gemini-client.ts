import { GoogleGenAI } from '@google/genai';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';

/**
 * Where Gemini calls go:
 * - GEMINI_EMULATOR_URL set: the local emulator at that URL (an explicit choice wins, so a stray real key in a
 *   developer's shell never sends test traffic to Google);
 * - else GEMINI_API_KEY set: the real API (the SDK itself honours GOOGLE_GEMINI_BASE_URL);
 * - else the emulator at http://127.0.0.1:${GEMINI_EMULATOR_PORT:-8790}.
 */
export interface GeminiTarget {
  kind: 'gemini' | 'emulator';
  baseUrl?: string;
}

export function geminiTarget(env: NodeJS.ProcessEnv = process.env): GeminiTarget {
  if (env.GEMINI_EMULATOR_URL) return { kind: 'emulator', baseUrl: env.GEMINI_EMULATOR_URL };
  if (env.GEMINI_API_KEY) return { kind: 'gemini', baseUrl: env.GOOGLE_GEMINI_BASE_URL || undefined };
  return { kind: 'emulator', baseUrl: `http://127.0.0.1:${env.GEMINI_EMULATOR_PORT || 8790}` };
}

/** The emulator accepts any non-empty key; a fixed one keeps the real key out of local traffic. */
const emulatorApiKey = 'geminiflow-emulator-key';

let cached: { signature: string; client: GoogleGenAI } | undefined;

/** One SDK client per configuration; settings are read on each call so tests can point the worker elsewhere. */
export function geminiClient(env: NodeJS.ProcessEnv = process.env): GoogleGenAI {
  const target = geminiTarget(env);
  const apiKey = target.kind === 'gemini' ? env.GEMINI_API_KEY! : env.GEMINI_API_KEY || emulatorApiKey;
  // The key is part of the cache identity only through a length, so it is never kept in a plain string here.
  const signature = `${target.kind} ${target.baseUrl ?? ''} ${apiKey.length}`;
  if (cached?.signature !== signature) {
    cached = {
      signature,
      client: new GoogleGenAI({ apiKey, ...(target.baseUrl ? { httpOptions: { baseUrl: target.baseUrl } } : {}) }),
    };
  }
  return cached.client;
}

/** `webhook_config` for a job, in the snake_case the Interactions API and the Batch docs use. */
export interface JobWebhookConfig {
  uris?: string[];
  user_metadata: { temporal_workflow_id: string };
}

/**
 * Every job names the workflow that owns it, so the receiver can route its events; the receiver's public URL is added
 * when configured (otherwise events go to the registered webhooks).
 */
export function webhookConfigFor(workflowId: string, env: NodeJS.ProcessEnv = process.env): JobWebhookConfig {
  const uri = env.GEMINIFLOW_WEBHOOK_URL;
  return { ...(uri ? { uris: [uri] } : {}), user_metadata: { temporal_workflow_id: workflowId } };
}

/** The workflow that runs the current activity. */
export function currentWorkflowId(): string {
  const execution = Context.current().info.workflowExecution;
  // Standalone activities have no workflow; every geminiflow job is started by one.
  if (!execution) throw ApplicationFailure.nonRetryable('Gemini jobs are started from workflows only', 'NoWorkflow');
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
  return ApplicationFailure.create({
    message: `Gemini API error${status ? ` ${status}` : ''}: ${message}`,
    type: status ? `GeminiHttp${status}` : 'GeminiError',
    nonRetryable: permanent,
  });
}
