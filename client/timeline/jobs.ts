import {
  batchModelKey,
  type GeminiEvent,
  type GeminiResourceKind,
  GeminiWaitingFor,
  geminiEventSignal,
  geminiResourceKinds,
  jobKinds,
  modelKey,
  type PriceTable,
  resourceKey,
} from '../../contract';
import { closeRow } from './close-row';
import { describeDuration, iso } from './durations';
import type { ActivityFact, MessageFact, RunFacts } from './history-facts';
import { describeBytes, field, stringField } from './payloads';
import { toolCallActivityTypes } from './tool-calls';
import type { EventVia, TimelineRow } from './types';
import { describeTokenKinds, jobUsage, withCost } from './usage';

/** What an activity that creates a Gemini job says about it: its kind, its id (from the result), what it is. */
interface CreatedJob {
  kind: GeminiResourceKind;
  id?: string;
  model?: string;
  what: string;
}

/** geminiflow's activities that create a job, by type. */
const jobCreators: Partial<Record<string, (input: unknown, result: unknown) => CreatedJob>> = {
  startBackgroundInteraction: (input, result) => {
    const agent = stringField(input, 'agent');
    const video = stringField(field(input, 'response_format'), 'type') === 'video';
    return {
      kind: 'interaction',
      id: stringField(result, 'interactionId'),
      model: agent ?? stringField(input, 'model'),
      what: agent?.includes('deep-research') ? 'Deep Research' : video ? 'Video' : 'Interaction',
    };
  },
  createAgentInteraction: (input, result) => ({
    kind: 'interaction',
    id: stringField(result, 'id'),
    model: stringField(input, 'model'),
    what: 'Agent turn',
  }),
  createBatchJob: (input, result) => ({
    kind: 'batch',
    id: stringField(result, 'batchName'),
    model: stringField(input, 'model'),
    what: 'Batch',
  }),
};

/** Inputs larger than this are not looked through for a job's id. */
const maxJobInputBytes = 16 * 1024;

/** The backstop's status read: its result is the event it found, or null. */
const statusRead = 'reconcileGeminiResource';

const viaWords: Record<EventVia, string> = {
  webhook: 'by webhook',
  mailbox: 'by webhook, through the mailbox',
  replay: 'by a replayed dead letter',
  reconciliation: 'by reconciliation (a status read)',
};

interface Job {
  row: TimelineRow;
  kind: GeminiResourceKind;
  key: string;
  waitFrom: number;
  endedAt?: number;
  handled: Set<string>;
}

function asEvent(value: unknown): GeminiEvent | undefined {
  return stringField(value, 'type') && stringField(value, 'resourceId') ? (value as GeminiEvent) : undefined;
}

function failureState(type: string): 'failed' | 'cancelled' {
  return type.endsWith('cancelled') ? 'cancelled' : 'failed';
}

/**
 * The Gemini jobs of one run: a row each, from the activity that created it through the wait (which event ended it,
 * and how it arrived) to the activities that read its results. Also returns the activities and signals it took.
 */
export function jobRows(
  run: RunFacts,
  prices: PriceTable,
): { rows: TimelineRow[]; claimed: Set<ActivityFact | MessageFact> } {
  const claimed = new Set<ActivityFact | MessageFact>();
  const jobs = new Map<string, Job>();
  const rows: TimelineRow[] = [];
  const seenWebhookIds = new Set<string>();

  const create = (a: ActivityFact, created: CreatedJob) => {
    const id = created.id ?? '(not created)';
    const row: TimelineRow = {
      key: `${run.workflowId}@${run.runId}#${a.eventId}`,
      kind: 'job',
      label: `${created.what} job`,
      summary: 'waiting for Gemini',
      details: [
        `${created.kind} ${id}`,
        ...(created.model ? [`${created.kind === 'batch' ? 'model' : 'by'} ${created.model}`] : []),
        `request ${describeBytes(a.inputBytes)}`,
      ],
      start: iso(a.scheduledAt),
      state: 'running',
      segments: [{ kind: 'call', start: iso(a.scheduledAt), label: a.type }],
      marks: [],
      job: { kind: created.kind, id, ...(created.model ? { model: created.model } : {}) },
      children: [],
    };
    rows.push(row);
    if (a.ended !== 'completed' || !created.id) {
      if (a.ended) Object.assign(row, { summary: `not created: ${a.failure ?? a.ended}`, state: 'failed' });
      return;
    }
    row.segments[0]!.end = iso(a.endedAt!);
    row.segments.push({ kind: 'gemini', start: iso(a.endedAt!), label: `Gemini works on ${created.kind} ${id}` });
    const job: Job = { row, kind: created.kind, key: resourceKey(id), waitFrom: a.endedAt!, handled: new Set() };
    jobs.set(job.key, job);
  };

  /** An event for one of the run's jobs: the one that ended its wait, a repeat, or one that ended nothing. */
  const arrive = (event: GeminiEvent, at: number): boolean => {
    const job = jobs.get(resourceKey(event.resourceId));
    if (!job) return false;
    const via: EventVia = event.via ?? 'webhook';
    const label = `${event.type} ${viaWords[via] ?? `via ${via}`}`;
    const marks = job.row.marks;
    if ((event.webhookId && seenWebhookIds.has(event.webhookId)) || job.handled.has(event.type)) {
      marks.push({ kind: 'duplicate', at: iso(at), label: `${event.type} again: a repeat, ignored` });
      return true;
    }
    if (event.webhookId) seenWebhookIds.add(event.webhookId);
    const ends = new Set<string>([...jobKinds[job.kind].waitsFor, ...jobKinds[job.kind].failures]);
    if (job.endedAt !== undefined || !ends.has(event.type)) {
      marks.push({ kind: 'event', at: iso(at), label });
      return true;
    }
    job.handled.add(event.type);
    job.endedAt = Math.max(at, job.waitFrom);
    const waitedMs = job.endedAt - job.waitFrom;
    Object.assign(job.row.job!, {
      endedBy: { type: event.type, via, at: iso(at), ...(event.webhookId ? { webhookId: event.webhookId } : {}) },
      waitedMs,
    });
    // Gemini may finish (and its webhook land) before the activity that created the job has reported back.
    job.row.summary =
      at < job.waitFrom ? `${label}, before its request returned` : `${label} after ${describeDuration(waitedMs)}`;
    job.row.state = (jobKinds[job.kind].failures as readonly string[]).includes(event.type)
      ? failureState(event.type)
      : 'completed';
    const gemini = job.row.segments.find((s) => s.kind === 'gemini');
    if (gemini) gemini.end = iso(job.endedAt);
    marks.push({ kind: via === 'reconciliation' ? 'reconciliation' : 'webhook', at: iso(at), label });
    return true;
  };

  /** A job the run waits on without having created it (`waitForGeminiJob`): from when the wait began. */
  const watch = (kind: GeminiResourceKind, id: string, at: number, eventId: number) => {
    const row: TimelineRow = {
      key: `${run.workflowId}@${run.runId}#${eventId}`,
      kind: 'job',
      label: `${kind === 'batch' ? 'Batch' : 'Interaction'} job`,
      summary: 'waiting for Gemini',
      details: [`${kind} ${id}`, 'started outside this run'],
      start: iso(at),
      state: 'running',
      segments: [{ kind: 'gemini', start: iso(at), label: `Gemini works on ${kind} ${id}` }],
      marks: [],
      job: { kind, id },
      children: [],
    };
    rows.push(row);
    jobs.set(resourceKey(id), { row, kind, key: resourceKey(id), waitFrom: at, handled: new Set() });
  };

  const onJob = (a: ActivityFact, job: Job) => {
    if (a.type === statusRead) {
      const event = a.endedAt !== undefined ? asEvent(a.result) : undefined;
      if (event) arrive(event, a.endedAt!);
      else if (a.endedAt !== undefined)
        job.row.marks.push({ kind: 'status-read', at: iso(a.endedAt), label: 'status read: not finished yet' });
      return;
    }
    const cancel = a.type.startsWith('cancel');
    job.row.segments.push({
      kind: cancel ? 'call' : 'read',
      start: iso(a.scheduledAt),
      ...(a.endedAt !== undefined ? { end: iso(a.endedAt) } : {}),
      label: a.type,
    });
    if (cancel && job.endedAt === undefined) job.row.summary = 'cancelled by the run';
    if (a.ended && a.ended !== 'completed') job.row.details.push(`${a.type} ${a.ended}: ${a.failure ?? ''}`.trim());
    // The last report is the job's whole usage (an agent's turn reports it once it stopped running).
    const model = job.row.job!.model ?? 'unknown';
    const usage = jobUsage(a.result, job.kind === 'batch' ? batchModelKey(model) : modelKey(model));
    if (usage) job.row.usage = withCost(usage, prices);
  };

  const jobOf = (a: ActivityFact): Job | undefined => {
    // What reads or cancels a job takes its id, a small input; a large one (a fan-out's results) is not about one job.
    if (toolCallActivityTypes.includes(a.type) || a.inputBytes > maxJobInputBytes) return undefined;
    const text = JSON.stringify(a.input);
    for (const job of jobs.values()) if (text.includes(job.key)) return job;
    return undefined;
  };

  // In the order things happened: creations, the activities on a job, the events.
  const steps = [
    ...run.activities.map((activity) => ({ eventId: activity.eventId, activity })),
    ...run.signals
      .filter((s) => s.name === geminiEventSignal.name)
      .map((signal) => ({ eventId: signal.eventId, signal })),
    ...run.searchAttributes
      .filter((sa) => sa.key === GeminiWaitingFor.name && typeof sa.value === 'string')
      .map((waiting) => ({ eventId: waiting.eventId, waiting })),
  ].sort((a, b) => a.eventId - b.eventId);
  for (const step of steps) {
    if ('waiting' in step) {
      // `interaction:<id>`: the wait began; a job the run did not create gets its row from here.
      const [kind, ...id] = String(step.waiting.value).split(':');
      const resource = id.join(':');
      const known = geminiResourceKinds.find((k) => k === kind);
      if (known && resource && !jobs.has(resourceKey(resource)))
        watch(known, resource, step.waiting.at, step.waiting.eventId);
      continue;
    }
    if ('signal' in step) {
      const event = asEvent(step.signal.args[0]);
      if (event && arrive(event, step.signal.at)) claimed.add(step.signal);
      continue;
    }
    const a = step.activity;
    const creator = jobCreators[a.type];
    const job = creator ? undefined : jobOf(a);
    if (creator) create(a, creator(a.input[0], a.result));
    else if (job) onJob(a, job);
    else continue;
    claimed.add(a);
  }
  return { rows: rows.map((row) => closeJob(row, run)), claimed };
}

/** A job's row ends with its last stretch; one its run left behind ends with the run. */
function closeJob(row: TimelineRow, run: RunFacts): TimelineRow {
  if (row.state === 'running' && run.closed) {
    const cancelled = row.summary === 'cancelled by the run' || run.closed.as === 'cancelled';
    row.state = cancelled ? 'cancelled' : 'unfinished';
    row.summary = cancelled ? 'cancelled by the run' : 'the run ended before the job did';
  }
  if (row.usage) row.details.push(`tokens ${describeTokenKinds(row.usage.total)}`);
  return closeRow(row, run.closed?.at);
}
