import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type * as interactions from '../activities/interactions';
import type { DeepResearchReport } from '../activities/interactions';
import { runBackgroundInteraction } from './background-interaction';
import { listenForGeminiEvents, type ResolvedWait, type WaitOptions } from './wait-for-gemini-event';

export const defaultDeepResearchAgent = 'deep-research-preview-04-2026';

export interface DeepResearchInput {
  topic: string;
  /** Default: deep-research-preview-04-2026. */
  agent?: string;
  /** The reconciliation backstop's quiet periods (defaults: 2 minutes growing to 30). */
  reconcileAfter?: WaitOptions['reconcileAfter'];
  reconcileMax?: WaitOptions['reconcileMax'];
}

export interface DeepResearchResult extends DeepResearchReport {
  topic: string;
  /** Whether the webhook or the status read told the workflow the research was done. */
  resolvedBy: ResolvedWait['resolvedBy'];
}

const { fetchDeepResearchReport } = proxyActivities<typeof interactions>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 10 },
});

/** Runs the Deep Research agent on a topic in the background and returns its report with sources. */
export async function deepResearch(input: DeepResearchInput): Promise<DeepResearchResult> {
  const events = listenForGeminiEvents();
  if (!input.topic?.trim()) throw ApplicationFailure.nonRetryable('a Deep Research topic is required', 'BadInput');

  const { interactionId, resolvedBy } = await runBackgroundInteraction(
    events,
    {
      agent: input.agent ?? defaultDeepResearchAgent,
      input: input.topic,
      agent_config: { type: 'deep-research', thinking_summaries: 'auto' },
    },
    {
      until: 'interaction.completed',
      what: 'Deep Research',
      reconcileAfter: input.reconcileAfter,
      reconcileMax: input.reconcileMax,
    },
  );

  const report = await fetchDeepResearchReport(interactionId);
  return { topic: input.topic, ...report, resolvedBy };
}
