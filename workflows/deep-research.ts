import { type Budget, type DeepResearchReport, defaultDeepResearchAgent, type GeminiUsage } from '../contract';
import { fetchDeepResearchReport } from './activities';
import { runBackgroundInteraction } from './background-interaction';
import { badInput } from './job-failures';
import { trackGeminiUsage } from './usage';
import { listenForGeminiEvents, type ResolvedWait, type WaitSettings, waitSettingsOf } from './wait-for-gemini-event';

export interface DeepResearchInput extends WaitSettings {
  topic: string;
  /** Default: deep-research-preview-04-2026. */
  agent?: string;
  /** The reconciliation backstop (defaults: 2 minutes growing to 30). The flat fields are the older spelling. */
  wait?: WaitSettings;
  /** The pipeline's budget, checked before the research starts (a parent passes it down). */
  budget?: Budget;
}

export interface DeepResearchResult extends DeepResearchReport {
  topic: string;
  /** Whether the webhook or the status read told the workflow the research was done. */
  resolvedBy: ResolvedWait['resolvedBy'];
  /** The run's usage (its one job), for a parent to add to its own (absent in runs of older versions). */
  geminiUsage?: GeminiUsage;
}

/** Runs the Deep Research agent on a topic in the background and returns its report with sources. */
export async function deepResearch(input: DeepResearchInput): Promise<DeepResearchResult> {
  const events = listenForGeminiEvents();
  if (!input.topic?.trim()) throw badInput('a Deep Research topic is required');
  const usage = trackGeminiUsage(input.budget);
  const agent = input.agent ?? defaultDeepResearchAgent;

  const { interactionId, resolvedBy } = await runBackgroundInteraction(
    events,
    {
      agent,
      input: input.topic,
      agent_config: { type: 'deep-research', thinking_summaries: 'auto' },
    },
    { done: ['interaction.completed'], what: 'Deep Research', wait: waitSettingsOf(input), usage },
  );

  const report = await fetchDeepResearchReport(interactionId);
  usage.recordJob(agent, report.usage);
  return { topic: input.topic, ...report, resolvedBy, geminiUsage: usage.report() };
}
