import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import type { HistorySource } from '../../client/timeline';
import { projectRoot } from '../../common/paths';

type History = temporal.api.history.v1.History;

/** A history saved by scripts/record-histories.ts, loaded the way the replay test loads it. */
export function savedHistory(file: string): { workflowId: string; history: History } {
  const saved = JSON.parse(fs.readFileSync(path.join(projectRoot, 'test', 'histories', file), 'utf8')) as {
    workflowId: string;
  };
  return { workflowId: saved.workflowId, history: temporal.api.history.v1.History.fromObject(saved) };
}

/**
 * Saved histories as a timeline's source, found by workflow id and run id (a history's first event names its own run);
 * without a run id, the run of that id that did not continue as new (else the last one given).
 */
export function savedHistories(files: string[]): HistorySource {
  const runs = files.map((f) => {
    const { workflowId, history } = savedHistory(f);
    const started = history.events[0]?.workflowExecutionStartedEventAttributes;
    const continued = Boolean(history.events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes);
    return { workflowId, runId: started?.originalExecutionRunId ?? '', continued, history };
  });
  return {
    async history(workflowId, runId) {
      const ofId = runs.filter((r) => r.workflowId === workflowId);
      if (runId) return ofId.find((r) => r.runId === runId)?.history;
      return (ofId.find((r) => !r.continued) ?? ofId.at(-1))?.history;
    },
  };
}
