import type { FanOutJob, FanOutResultEntry, StoredPlanPart } from '../contract';
import { fanOutStoreRoot, readPlanJobs, writePlanPart, writeResultSegment } from './fan-out-store';
import type { GeminiContext } from './gemini-client';
import { createPromptActivities } from './prompt-fan-out';

/**
 * The fan-out's store: plans and results that would not fit in workflow history. Each write replaces the same file,
 * so a retried activity leaves one copy.
 */
export function createFanOutActivities(gemini: GeminiContext) {
  const root = fanOutStoreRoot(gemini.outputDir);
  return {
    /** Keeps one part of a fan-out's plan (its jobs, in item order). */
    async storeFanOutPlan(input: { key: string; part: number; jobs: FanOutJob[] }): Promise<StoredPlanPart> {
      return writePlanPart(root, input.key, input.part, input.jobs);
    },

    /** The jobs of the items one run of a fan-out starts. */
    async readFanOutPlan(input: { parts: StoredPlanPart[]; indices: number[] }): Promise<FanOutJob[]> {
      return readPlanJobs(input.parts, input.indices);
    },

    /** Keeps a segment of results; returns its path for the results reference. */
    async storeFanOutResults(input: { key: string; segment: number; entries: FanOutResultEntry[] }): Promise<string> {
      return writeResultSegment(root, input.key, input.segment, input.entries);
    },

    ...createPromptActivities(gemini, root),
  };
}
