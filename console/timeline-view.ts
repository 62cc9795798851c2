import {
  describeDuration,
  describeUsage,
  flattenTimeline,
  type MarkKind,
  type RunTimeline,
  type SegmentKind,
  type TimelineRow,
  timelineMoments,
} from '../client/timeline';

/** Positions are percentages of the time axis (SVG lengths in %, so marks keep their shape at any width). */
const width = 100;
/** A bar narrower than this would not show; a stage of a few ms still gets a sliver. */
const minBar = 0.3;

export interface BarView {
  kind: SegmentKind;
  x: number;
  w: number;
  /** A run's bar is a thin line under its stages' bars. */
  y: number;
  h: number;
  /** Still going when the page was read. */
  open: boolean;
  title: string;
}

export interface MarkView {
  kind: MarkKind;
  x: number;
  title: string;
}

export interface RowView {
  key: string;
  kind: TimelineRow['kind'];
  state: TimelineRow['state'];
  depth: number;
  label: string;
  summary: string;
  details: string;
  took: string;
  /** A child run: its own page. */
  workflowId?: string;
  bars: BarView[];
  marks: MarkView[];
}

export interface TimelineView {
  /** Tick labels at the start of each column of the axis; `end` at its right edge. */
  ticks: string[];
  end: string;
  /** The tick lines' positions on every track. */
  tickXs: number[];
  rows: RowView[];
  moments: { at: string; offset: string; run: string; what: string; kind: string }[];
  /** Moments past the page's limit (the CLI lists them all). */
  momentsLeftOut: number;
}

/** Moments a page lists at most: a large fan-out has thousands. */
const maxMoments = 400;

const stage = { y: 6, h: 12 };
const runLine = { y: 9, h: 6 };

/** Round steps for the axis: from 10 ms to a day. */
const steps = [
  10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 15e3, 3e4, 6e4, 12e4, 3e5, 6e5, 9e5, 18e5, 36e5, 72e5, 144e5, 216e5,
  432e5,
];

function axisLabel(ms: number, step: number): string {
  if (ms === 0) return '0';
  if (step < 1000) return `${ms} ms`;
  if (step < 60_000) return `${ms / 1000} s`;
  if (step < 3_600_000) return `${ms / 60_000} min`;
  return `${ms / 3_600_000} h`;
}

/**
 * What the run page draws: rows in reading order, each with its bars and marks placed on one time axis (round ticks,
 * at most six columns), and the moments below it. Server-side only: the page positions nothing with script.
 */
export function timelineView(timeline: RunTimeline): TimelineView {
  const t0 = Date.parse(timeline.start);
  const t1 = Math.max(Date.parse(timeline.end), t0 + 1);
  const span = t1 - t0;
  const step = steps.find((s) => span / s <= 6) ?? Math.ceil(span / 6 / 86_400_000) * 86_400_000;
  const columns = Math.max(1, Math.ceil(span / step));
  const domain = columns * step;
  const x = (iso: string) => ((Date.parse(iso) - t0) / domain) * width;
  const round = (n: number) => Math.round(n * 100) / 100;
  const short = (id: string) =>
    id.startsWith(`${timeline.workflowId}/`) ? `…${id.slice(timeline.workflowId.length)}` : id;

  const moments = timelineMoments(timeline);
  const rows = flattenTimeline(timeline).map(({ row, depth }): RowView => {
    const bars = row.segments.map((s) => {
      const from = x(s.start);
      const to = x(s.end ?? timeline.end);
      const took = describeDuration(Date.parse(s.end ?? timeline.end) - Date.parse(s.start));
      return {
        kind: s.kind,
        x: round(Math.min(from, width - minBar)),
        w: round(Math.max(to - from, minBar)),
        ...stage,
        open: !s.end,
        title: `${s.label}: ${took}${s.end ? '' : ', still going'}`,
      };
    });
    // A run's own bar spans it; its stages are the rows under it.
    if (row.kind === 'run' || row.kind === 'more') {
      const from = x(row.start);
      const to = x(row.end ?? timeline.end);
      const w = round(Math.max(to - from, minBar));
      bars.push({ kind: 'run', x: round(from), w, ...runLine, open: !row.end, title: row.summary });
    }
    const usage = row.usage ? describeUsage(row.usage) : '';
    return {
      key: row.key,
      kind: row.kind,
      state: row.state,
      depth: Math.min(depth, 8),
      label: depth === 0 ? `${row.run!.type} ${timeline.workflowId}` : row.label,
      summary: [row.summary, usage].filter(Boolean).join(' · '),
      details: row.details.join('\n'),
      took: row.end ? describeDuration(Date.parse(row.end) - Date.parse(row.start)) : 'going',
      ...(row.kind === 'run' && depth > 0 ? { workflowId: row.run!.workflowId } : {}),
      bars,
      marks: row.marks.map((m) => ({ kind: m.kind, x: round(x(m.at)), title: m.label })),
    };
  });

  return {
    ticks: Array.from({ length: columns }, (_, i) => axisLabel(i * step, step)),
    end: axisLabel(domain, step),
    tickXs: Array.from({ length: columns - 1 }, (_, i) => round(((i + 1) / columns) * width)),
    rows,
    moments: moments.slice(0, maxMoments).map((m) => ({
      at: m.at,
      offset: `+${describeDuration(Date.parse(m.at) - t0)}`,
      run: short(m.workflowId),
      what: m.what,
      kind: m.kind,
    })),
    momentsLeftOut: Math.max(0, moments.length - maxMoments),
  };
}
