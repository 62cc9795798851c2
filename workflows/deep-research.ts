import { type DeepResearchReport, defaultDeepResearchAgent } from '../contract';
import { fetchDeepResearchReport } from './activities';
import { runBackgroundInteraction } from './background-interaction';
import { badInput } from './job-failures';
import { listenForGeminiEvents, type ResolvedWait, type WaitSettings, waitSettingsOf } from './wait-for-gemini-event';

export interface DeepResearchInput extends WaitSettings {
  topic: string;
  /** Default: deep-research-preview-04-2026. */
  agent?: string;
  /** The reconciliation backstop (defaults: 2 minutes growing to 30). The flat fields are the older spelling. */
  wait?: WaitSettings;
}

export interface DeepResearchResult extends DeepResearchReport {
  topic: string;
  /** Whether the webhook or the status read told the workflow the research was done. */
  resolvedBy: ResolvedWait['resolvedBy'];
}

/** Runs the Deep Research agent on a topic in the background and returns its report with sources. */
export async function deepResearch(input: DeepResearchInput): Promise<DeepResearchResult> {
  const events = listenForGeminiEvents();
  if (!input.topic?.trim()) throw badInput('a Deep Research topic is required');

  const { interactionId, resolvedBy } = await runBackgroundInteraction(
    events,
    {
      agent: input.agent ?? defaultDeepResearchAgent,
      input: input.topic,
      agent_config: { type: 'deep-research', thinking_summaries: 'auto' },
    },
    { done: ['interaction.completed'], what: 'Deep Research', wait: waitSettingsOf(input) },
  );

  const report = await fetchDeepResearchReport(interactionId);
  return { topic: input.topic, ...report, resolvedBy };
}
