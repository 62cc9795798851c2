import type { GoogleGenAIInteraction, Interactions } from '@google/genai';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  callGemini as call,
  currentWorkflowId,
  geminiClient,
  geminiFailure,
  isNotFound,
  webhookConfigFor,
} from './gemini-client';

/** A background interaction the workflow starts: an agent (Deep Research) or a model (video). */
export interface BackgroundInteractionRequest {
  agent?: string;
  model?: string;
  input: string;
  agent_config?: Record<string, unknown>;
  generation_config?: Record<string, unknown>;
  tools?: Record<string, unknown>[];
  system_instruction?: string;
}

export interface StartedInteraction {
  interactionId: string;
  status: string;
}

/**
 * Creates the interaction in the background, with the webhook config that routes its events back to this workflow.
 * Creation is not idempotent upstream, so the new id is heartbeated at once: a retry of this activity (after a worker
 * crash) finds it in its heartbeat details and returns the existing interaction instead of starting a second one.
 */
export async function startBackgroundInteraction(request: BackgroundInteractionRequest): Promise<StartedInteraction> {
  const ctx = Context.current();
  const ai = geminiClient();
  const prior = ctx.info.heartbeatDetails as StartedInteraction | undefined;
  if (prior?.interactionId) {
    const existing = await call(() => ai.interactions.get(prior.interactionId));
    return { interactionId: existing.id, status: existing.status };
  }
  if (!request.agent === !request.model) {
    throw ApplicationFailure.nonRetryable('an interaction needs exactly one of `agent` or `model`', 'BadRequest');
  }
  const created = await call(() =>
    ai.interactions.create({
      ...request,
      background: true,
      // Background runs are read back later (interactions.get); some API revisions require storing them for that.
      store: true,
      webhook_config: webhookConfigFor(currentWorkflowId()),
      stream: false,
    } as Interactions.InteractionCreateParams.InteractionCreateParamsNonStreaming),
  );
  const started = { interactionId: created.id, status: created.status };
  ctx.heartbeat(started);
  return started;
}

/** Cancels a running background interaction. Already finished or gone counts as done, so retries are harmless. */
export async function cancelInteraction(interactionId: string): Promise<{ status: string }> {
  const ai = geminiClient();
  try {
    const cancelled = await ai.interactions.cancel(interactionId);
    return { status: cancelled.status };
  } catch (err) {
    if (isNotFound(err)) return { status: 'not_found' };
    const current = await call(() => ai.interactions.get(interactionId));
    if (current.status !== 'in_progress' && current.status !== 'queued') return { status: current.status };
    throw geminiFailure(err);
  }
}

export interface ReportSource {
  title?: string;
  url: string;
}

export interface DeepResearchReport {
  interactionId: string;
  agent?: string;
  status: string;
  /** The report as the agent wrote it (markdown). */
  markdown: string;
  /** Cited sources, deduplicated by URL, in order of first citation. */
  sources: ReportSource[];
  usage?: { totalTokens?: number; inputTokens?: number; outputTokens?: number };
}

/** Reads the finished interaction and keeps what a pipeline needs from it: the text and its citations. */
export async function fetchDeepResearchReport(interactionId: string): Promise<DeepResearchReport> {
  const ai = geminiClient();
  const interaction = await call(() => ai.interactions.get(interactionId));
  if (interaction.status !== 'completed') {
    throw ApplicationFailure.nonRetryable(
      `interaction ${interactionId} is ${interaction.status}, not completed`,
      'InteractionNotCompleted',
    );
  }
  const texts = outputTextBlocks(interaction);
  const markdown = interaction.output_text ?? texts.map((t) => t.text).join('');
  const sources: ReportSource[] = [];
  const seen = new Set<string>();
  const addSource = (url: string | undefined, title?: string) => {
    if (!url || seen.has(url)) return;
    seen.add(url);
    sources.push(title ? { title, url } : { url });
  };
  for (const block of texts) {
    for (const a of block.annotations ?? []) {
      const ann = a as { type?: string; url?: string; title?: string };
      if (ann.type === 'url_citation') addSource(ann.url, ann.title);
    }
  }
  // Reports also cite in prose: markdown links are sources too when no annotation carried them.
  for (const m of markdown.matchAll(/\[([^\]]+)\]\((https?:\/\/[^)\s]+)\)/g)) addSource(m[2], m[1]);
  const usage = interaction.usage as
    | { total_tokens?: number; total_input_tokens?: number; total_output_tokens?: number }
    | undefined;
  return {
    interactionId,
    agent: typeof interaction.agent === 'string' ? interaction.agent : undefined,
    status: interaction.status,
    markdown,
    sources,
    ...(usage
      ? {
          usage: {
            totalTokens: usage.total_tokens,
            inputTokens: usage.total_input_tokens,
            outputTokens: usage.total_output_tokens,
          },
        }
      : {}),
  };
}

type Interaction = GoogleGenAIInteraction;

interface TextBlock {
  type: 'text';
  text: string;
  annotations?: unknown[];
}

/** Text blocks of the model/agent output steps after the last user input (the answer to this request). */
function outputTextBlocks(interaction: Interaction): TextBlock[] {
  const steps = (interaction.steps ?? []) as { type: string; content?: unknown[] }[];
  let start = 0;
  steps.forEach((s, i) => {
    if (s.type === 'user_input') start = i + 1;
  });
  return steps
    .slice(start)
    .filter((s) => s.type === 'model_output')
    .flatMap((s) => (s.content ?? []) as { type?: string }[])
    .filter((c): c is TextBlock => c.type === 'text' && typeof (c as TextBlock).text === 'string');
}

export interface VideoOutput {
  /** A Files API name (`files/…`) or a download URI. */
  file: string;
  mimeType?: string;
}

/** The generated video of a completed interaction, if it has one. */
export function findVideoOutput(interaction: Interaction): VideoOutput | undefined {
  const candidates = [
    interaction.output_video,
    ...((interaction.steps ?? []) as { type: string; content?: unknown[] }[])
      .filter((s) => s.type === 'model_output')
      .flatMap((s) => (s.content ?? []) as { type?: string; uri?: string; mime_type?: string }[])
      .filter((c) => c.type === 'video'),
  ] as ({ uri?: string; mime_type?: string } | undefined)[];
  const video = candidates.find((c) => c?.uri);
  return video ? { file: video.uri!, mimeType: video.mime_type } : undefined;
}
