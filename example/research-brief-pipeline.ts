import type { Duration } from '@temporalio/common';
import { defineQuery, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  type AgentResult,
  type BatchResult,
  type Budget,
  badInput,
  batchPrompts,
  type DeepResearchResult,
  deepResearch,
  defaultTextModel,
  type FanOutResult,
  fanOut,
  type GeminiUsage,
  generateText,
  job,
  type TextResult,
  trackGeminiUsage,
  type WaitSettings,
} from '../workflows';
import { agentWorkflow } from './agent';
import { briefRequest, followUpQuestions, publishedDocument, sourceNotePrompt } from './research-brief-prompts';

/** Sources of the report that get a note of their own, a few at a time. */
const maxSourceNotes = 5;

export interface ResearchBriefInput {
  topic: string;
  /** Follow-up questions asked about the report, as one batch. Default 3. */
  followUps?: number;
  /** Model for the follow-ups and the brief. Default: defaultTextModel. */
  model?: string;
  /** How long `publish` waits for a person's approval before it is refused. Default 1 day. */
  approvalTimeout?: Duration;
  /** The reconciliation backstop of every stage's waits. */
  wait?: WaitSettings;
  /** A budget for the whole pipeline (every stage's jobs), e.g. `{maxTokens: 50_000, onExceeded: 'ask'}`. */
  budget?: Budget;
}

export interface ResearchBriefResult {
  report: DeepResearchResult;
  /** A note on each of the report's first sources, one Gemini job per source (absent in runs older than the stage). */
  sourceNotes?: FanOutResult<TextResult>;
  followUps: BatchResult;
  brief: AgentResult;
  /** What `publish` put out, if a person approved it and it ran. */
  published: { id: string; title: string } | null;
  /** Every stage's usage, summed (absent in runs of older versions). */
  geminiUsage?: GeminiUsage;
}

export type PipelineStage = 'research' | 'sources' | 'follow-ups' | 'brief' | 'done';

export interface PipelineStatus {
  stage: PipelineStage;
  /**
   * The child workflow id of each stage. `sources` is a fan-out (GeminiflowClient.fanOutProgress); `publish` is
   * approved on `brief` (decideApproval, pendingApprovals).
   */
  children: Record<Exclude<PipelineStage, 'done'>, string>;
}

export const pipelineStatusQuery = defineQuery<PipelineStatus>('pipelineStatus');

/** The brief stage's workflow id: where a person sends the `decideApproval` update for `publish`. */
export function briefWorkflowId(pipelineWorkflowId: string): string {
  return `${pipelineWorkflowId}/brief`;
}

/**
 * The flagship pipeline: Deep Research on a topic, a note on each of its sources (a fan-out, one Gemini job per
 * source), a batch of follow-up questions about the report, then an agent that writes the brief and publishes it once
 * a person approves. Each stage is a child workflow.
 */
export async function researchBriefPipeline(input: ResearchBriefInput): Promise<ResearchBriefResult> {
  const id = workflowInfo().workflowId;
  const children = {
    research: `${id}/research`,
    sources: `${id}/sources`,
    'follow-ups': `${id}/follow-ups`,
    brief: briefWorkflowId(id),
  };
  let stage: PipelineStage = 'research';
  setHandler(pipelineStatusQuery, () => ({ stage, children }));
  // Each stage gets the pipeline's budget and reports its usage back, so the budget holds across all of them.
  const usage = trackGeminiUsage(input.budget);
  const model = input.model ?? defaultTextModel;
  const wait = input.wait ? { wait: input.wait } : {};
  const followUpCount = input.followUps ?? 3;
  if (!input.topic?.trim()) throw badInput('a topic is required');
  if (!Number.isInteger(followUpCount) || followUpCount < 1 || followUpCount > 50) {
    throw badInput('followUps must be a whole number from 1 to 50');
  }

  const report = await usage.executeChild(deepResearch, {
    workflowId: children.research,
    args: [{ topic: input.topic, ...wait }],
  });

  // Runs started before this stage existed go straight on to the follow-ups.
  let sourceNotes: FanOutResult<TextResult> | undefined;
  if (patched('source-notes-fan-out') && report.sources.length > 0) {
    stage = 'sources';
    sourceNotes = await fanOut(
      report.sources.slice(0, maxSourceNotes),
      (source) => ({
        ...job(generateText, { prompt: sourceNotePrompt(report, source), model, ...wait }),
        label: source.url,
      }),
      { name: 'sources', concurrency: 3, usage },
    );
  }

  stage = 'follow-ups';
  const prompts = followUpQuestions(report, followUpCount);
  const followUps = await usage.executeChild(batchPrompts, {
    workflowId: children['follow-ups'],
    args: [{ model, prompts: { kind: 'inline', prompts }, ...wait }],
  });

  stage = 'brief';
  const brief = await usage.executeChild(agentWorkflow, {
    workflowId: children.brief,
    args: [
      {
        model,
        tools: ['count_words', 'lookup_glossary', 'publish'],
        message: briefRequest(report, followUps, sourceNotes),
        conversation: false,
        approvalTimeout: input.approvalTimeout ?? '1 day',
        ...wait,
      },
    ],
  });

  stage = 'done';
  return {
    report,
    ...(sourceNotes ? { sourceNotes } : {}),
    followUps,
    brief,
    published: publishedDocument(brief),
    geminiUsage: usage.report(),
  };
}
