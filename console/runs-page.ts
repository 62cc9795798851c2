import { type GeminiflowClient, InvalidRunFilterError, type RunState, type RunSummary, runStates } from '../client';
import { describeDuration } from '../client/timeline';

/** Runs a page of the Runs page lists. */
export const runsPerPage = 50;

export interface RunsFilter {
  status: RunState | '';
  type: string;
  id: string;
  waiting: boolean;
  fanOuts: boolean;
}

const one = (value: unknown): string => (typeof value === 'string' ? value.trim() : '');

/** The filter of a Runs page request, as its form sends it; an unknown status is kept, to be refused with the rest. */
export function runsFilterOf(query: Record<string, unknown>): RunsFilter {
  return {
    status: one(query.status) as RunState | '',
    type: one(query.type),
    id: one(query.id),
    waiting: query.waiting === 'on',
    fanOuts: query.fanOuts === 'on',
  };
}

const stateWords: Record<RunState, string> = {
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
  terminated: 'Terminated',
  timed_out: 'Timed-out',
  continued: 'Continued',
};

function titleOf(f: RunsFilter): string {
  const what = f.fanOuts ? 'fan-outs' : 'runs';
  const state = f.status && stateWords[f.status];
  const title = state ? `${state} ${what}` : `${what[0]!.toUpperCase()}${what.slice(1)}`;
  return f.waiting ? `${title} waiting on Gemini` : title;
}

/** The page's link with the same filter on another page number. */
function pageHref(f: RunsFilter, page: number): string {
  const q = new URLSearchParams();
  if (f.status) q.set('status', f.status);
  if (f.type) q.set('type', f.type);
  if (f.id) q.set('id', f.id);
  if (f.waiting) q.set('waiting', 'on');
  if (f.fanOuts) q.set('fanOuts', 'on');
  if (page > 1) q.set('page', String(page));
  const s = q.toString();
  return s ? `/runs?${s}` : '/runs';
}

/** How long a closed run took, for the list. */
function tookOf(r: RunSummary): string | undefined {
  return r.closeTime ? describeDuration(Date.parse(r.closeTime) - Date.parse(r.startTime)) : undefined;
}

/**
 * The Runs page: recent runs (running ones first, then by when they closed), those matching the filter, a page at a
 * time. A filter the listing refuses (a type that is not a name, an unknown status) is said, not thrown.
 */
export async function runsPage(g: GeminiflowClient, query: Record<string, unknown>) {
  const filter = runsFilterOf(query);
  const page = Math.min(Math.max(1, Number.parseInt(one(query.page), 10) || 1), 200);
  let runs: RunSummary[] = [];
  let error: string | undefined;
  try {
    if (filter.status && !runStates.includes(filter.status))
      throw new InvalidRunFilterError(`"${filter.status}" is not a run status`);
    runs = await g.listRuns({
      ...(filter.status ? { status: [filter.status] } : {}),
      ...(filter.type ? { type: filter.type } : {}),
      ...(filter.id ? { idContains: filter.id } : {}),
      waiting: filter.waiting,
      fanOuts: filter.fanOuts,
      offset: (page - 1) * runsPerPage,
      // One more than a page: whether there is a next one.
      limit: runsPerPage + 1,
    });
  } catch (err) {
    if (!(err instanceof InvalidRunFilterError)) throw err;
    error = err.message;
  }
  const more = runs.length > runsPerPage;
  return {
    title: titleOf(filter),
    runs: runs.slice(0, runsPerPage).map((r) => ({ ...r, took: tookOf(r) })),
    filter,
    statuses: runStates,
    filtered: Boolean(filter.status || filter.type || filter.id || filter.waiting || filter.fanOuts),
    error,
    page,
    ...(page > 1 ? { newer: pageHref(filter, page - 1) } : {}),
    ...(more ? { older: pageHref(filter, page + 1) } : {}),
  };
}
