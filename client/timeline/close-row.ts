import { iso, latest } from './durations';
import type { TimelineRow } from './types';

/** A row's open stretches end where its run closed (`closedAt`); the row ends with its last stretch. */
export function closeRow(row: TimelineRow, closedAt: number | undefined): TimelineRow {
  if (closedAt !== undefined) {
    for (const s of row.segments) s.end ??= iso(closedAt);
    if (row.state === 'running') row.state = 'unfinished';
  }
  const ends = row.segments.map((s) => s.end);
  if (ends.length && ends.every((e) => e !== undefined)) row.end = latest([row.start, ...(ends as string[])]);
  return row;
}
