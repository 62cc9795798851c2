import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { projectRoot } from '../../common/paths';

export const historiesDir = path.join(projectRoot, 'test', 'histories');

type History = temporal.api.history.v1.History;

export interface SavedHistory {
  file: string;
  workflowId: string;
  workflowType: string;
  history: History;
}

export function savedHistories(): SavedHistory[] {
  return fs
    .readdirSync(historiesDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      // Loaded with @temporalio/proto directly (common's historyFromJSON trips over a second protobufjs copy).
      const saved = JSON.parse(fs.readFileSync(path.join(historiesDir, file), 'utf8')) as { workflowId?: string };
      const history = temporal.api.history.v1.History.fromObject(saved);
      const workflowType = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '';
      return { file, workflowId: saved.workflowId ?? file, workflowType, history };
    });
}
