import type { GoogleGenAIInteraction } from '@google/genai';
import {
  type DeepResearchReport,
  type InteractionUsage,
  type ReportSource,
  type TokenUsage,
  tokensOfInteraction,
} from '../contract';

type Interaction = GoogleGenAIInteraction;
type Step = { type: string; content?: unknown[] };

interface TextBlock {
  type: 'text';
  text: string;
  annotations?: unknown[];
}

/** Steps after the last input: `get` returns the whole timeline, and only these answer the latest request. */
function latestSteps(interaction: Interaction): Step[] {
  const steps = (interaction.steps ?? []) as Step[];
  let start = 0;
  steps.forEach((s, i) => {
    if (s.type === 'user_input' || s.type === 'function_result') start = i + 1;
  });
  return steps.slice(start);
}

function outputContent<T extends { type?: string }>(interaction: Interaction): T[] {
  return latestSteps(interaction)
    .filter((s) => s.type === 'model_output')
    .flatMap((s) => (s.content ?? []) as T[]);
}

/** The text and its citations: what a pipeline needs from a finished Deep Research interaction. */
export function deepResearchReport(interaction: Interaction): DeepResearchReport {
  const texts = outputContent<TextBlock>(interaction).filter((c) => c.type === 'text' && typeof c.text === 'string');
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
  const usage = usageOf(interaction);
  return {
    interactionId: interaction.id,
    agent: typeof interaction.agent === 'string' ? interaction.agent : undefined,
    status: interaction.status,
    markdown,
    sources,
    ...(usage ? { usage } : {}),
  };
}

/** The token counts Gemini reported on an interaction, or undefined when it reported none. */
export function usageOf(interaction: { usage?: unknown }): TokenUsage | undefined {
  return tokensOfInteraction(interaction.usage as InteractionUsage | undefined);
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
    ...outputContent<{ type?: string; uri?: string; mime_type?: string }>(interaction).filter(
      (c) => c.type === 'video',
    ),
  ] as ({ uri?: string; mime_type?: string } | undefined)[];
  const video = candidates.find((c) => c?.uri);
  return video ? { file: video.uri!, mimeType: video.mime_type } : undefined;
}
