import type { MarkKind, RunTimeline, TimelineRow } from './types';

/** A row with how deep it is nested (the run itself is 0) and the run it belongs to. */
export interface FlatRow {
  row: TimelineRow;
  depth: number;
  workflowId: string;
}

/** The rows in reading order: each run followed by its stages, nested ones after their parent. */
export function flattenTimeline(timeline: RunTimeline): FlatRow[] {
  const out: FlatRow[] = [];
  const walk = (row: TimelineRow, depth: number, workflowId: string) => {
    out.push({ row, depth, workflowId });
    const own = row.run?.workflowId ?? workflowId;
    for (const child of row.children) walk(child, depth + 1, own);
  };
  walk(timeline.root, 0, timeline.workflowId);
  return out;
}

/** One thing that happened, at its exact time, in words. */
export interface TimelineMoment {
  at: string;
  /** The run it happened in. */
  workflowId: string;
  what: string;
  kind: MarkKind | 'start' | 'end';
}

const startWords: Record<TimelineRow['kind'], string> = {
  run: 'started',
  job: 'requested',
  tool: 'called',
  activity: 'scheduled',
  timer: 'started',
  more: 'the first started',
};

/** Every start, end and mark of the timeline, in time order: the exact times behind the bars. */
export function timelineMoments(timeline: RunTimeline): TimelineMoment[] {
  const moments: TimelineMoment[] = [];
  for (const { row, workflowId } of flattenTimeline(timeline)) {
    const at = row.run?.workflowId ?? workflowId;
    const name = row.kind === 'run' ? row.run!.type : row.tool ? `${row.label} ${row.tool.callId}` : row.label;
    const watched = row.job && !row.segments.some((s) => s.kind === 'call');
    const start = row.tool?.approval ? 'approval requested' : watched ? 'waited for' : startWords[row.kind];
    moments.push({ at: row.start, workflowId: at, what: `${name} ${start}`, kind: 'start' });
    if (row.job) {
      const created = row.segments.find((s) => s.kind === 'call')?.end;
      if (created && row.state !== 'failed')
        moments.push({
          at: created,
          workflowId,
          what: `${name} created: ${row.job.kind} ${row.job.id}`,
          kind: 'start',
        });
    }
    for (const mark of row.marks) {
      if (mark.kind === 'requested') continue;
      moments.push({ at: mark.at, workflowId: at, what: `${name}: ${mark.label}`, kind: mark.kind });
    }
    if (!row.end || row.state === 'running') continue;
    // A job's event is a mark of its own; its end is the read of its results.
    const end = row.job ? (row.segments.some((s) => s.kind === 'read') ? 'results read' : '') : row.summary;
    if (end && !row.marks.some((m) => m.at === row.end))
      moments.push({ at: row.end, workflowId: at, what: `${name} ${end}`, kind: 'end' });
  }
  return moments.sort((a, b) => a.at.localeCompare(b.at));
}
