import type { temporal } from '@temporalio/proto';
import { decodePayload, decodePayloads, payloadBytes } from './payloads';

type History = temporal.api.history.v1.IHistory;
type Event = temporal.api.history.v1.IHistoryEvent;
type Failure = temporal.api.failure.v1.IFailure | null | undefined;

/** How a run (or a child, or an activity) ended, in the words of RunSummary's status. */
export type ClosedAs = 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed_out' | 'continued';

export interface ActivityFact {
  eventId: number;
  type: string;
  scheduledAt: number;
  input: unknown[];
  inputBytes: number;
  startedAt?: number;
  attempt?: number;
  endedAt?: number;
  ended?: Exclude<ClosedAs, 'terminated' | 'continued'>;
  result?: unknown;
  failure?: string;
}

export interface ChildFact {
  eventId: number;
  workflowId: string;
  type: string;
  initiatedAt: number;
  runId?: string;
  endedAt?: number;
  ended?: ClosedAs | 'not_started';
  failure?: string;
}

export interface MessageFact {
  eventId: number;
  at: number;
  name: string;
  args: unknown[];
  /** Updates: what the handler answered, or why it failed. */
  outcome?: { at: number; value?: unknown; failure?: string };
}

export interface TimerFact {
  eventId: number;
  startedAt: number;
  timeoutMs: number;
  endedAt?: number;
  fired?: boolean;
}

/** What one run's history says, in the order things happened; times in ms since the epoch. */
export interface RunFacts {
  workflowId: string;
  runId: string;
  type: string;
  startedAt: number;
  previousRunId?: string;
  /** The last event's time: where a run still going has got to. */
  lastEventAt: number;
  closed?: { at: number; as: ClosedAs; failure?: string; nextRunId?: string };
  cancelRequestedAt?: number;
  activities: ActivityFact[];
  children: ChildFact[];
  signals: MessageFact[];
  updates: MessageFact[];
  timers: TimerFact[];
  /** Search attribute upserts, each value decoded (null when it was cleared). */
  searchAttributes: { eventId: number; at: number; key: string; value: unknown }[];
  memos: { eventId: number; at: number; key: string; value: unknown }[];
}

export function timeOf(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  if (!ts) return 0;
  return Number(ts.seconds ?? 0) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
}

/** A failure as one line: its message, and its causes' where they add to it. */
export function failureText(failure: Failure): string | undefined {
  const messages: string[] = [];
  for (let f = failure, depth = 0; f && depth < 5; f = f.cause, depth++) {
    if (f.message && !messages.some((m) => m.includes(f!.message!))) messages.push(f.message);
  }
  const text = messages.join(': ');
  return text ? (text.length > 300 ? `${text.slice(0, 299)}…` : text) : undefined;
}

const childEnds = [
  ['childWorkflowExecutionCompletedEventAttributes', 'completed'],
  ['childWorkflowExecutionFailedEventAttributes', 'failed'],
  ['childWorkflowExecutionCanceledEventAttributes', 'cancelled'],
  ['childWorkflowExecutionTimedOutEventAttributes', 'timed_out'],
  ['childWorkflowExecutionTerminatedEventAttributes', 'terminated'],
] as const;

const runEnds = [
  ['workflowExecutionCompletedEventAttributes', 'completed'],
  ['workflowExecutionFailedEventAttributes', 'failed'],
  ['workflowExecutionCanceledEventAttributes', 'cancelled'],
  ['workflowExecutionTimedOutEventAttributes', 'timed_out'],
  ['workflowExecutionTerminatedEventAttributes', 'terminated'],
  ['workflowExecutionContinuedAsNewEventAttributes', 'continued'],
] as const;

/**
 * The facts of one run's history (fetched from Temporal, or a saved one), with payloads decoded by the default payload
 * converter. Workflow tasks, markers and other bookkeeping are left out.
 */
export function runFacts(workflowId: string, history: History): RunFacts {
  const events = history.events ?? [];
  const started = events[0]?.workflowExecutionStartedEventAttributes;
  if (!started) throw new Error(`the history of ${workflowId} does not begin with its start`);
  const facts: RunFacts = {
    workflowId,
    runId: started.originalExecutionRunId ?? '',
    type: started.workflowType?.name ?? '',
    startedAt: timeOf(events[0]!.eventTime),
    ...(started.continuedExecutionRunId ? { previousRunId: started.continuedExecutionRunId } : {}),
    lastEventAt: timeOf(events.at(-1)?.eventTime),
    activities: [],
    children: [],
    signals: [],
    updates: [],
    timers: [],
    searchAttributes: [],
    memos: [],
  };
  const activities = new Map<number, ActivityFact>();
  const children = new Map<number, ChildFact>();
  const timers = new Map<number, TimerFact>();
  const updates = new Map<string, MessageFact>();
  for (const e of events) read(e, timeOf(e.eventTime), Number(e.eventId ?? 0));

  function read(e: Event, at: number, eventId: number): void {
    if (e.activityTaskScheduledEventAttributes) {
      const a = e.activityTaskScheduledEventAttributes;
      const fact: ActivityFact = {
        eventId,
        type: a.activityType?.name ?? '',
        scheduledAt: at,
        input: decodePayloads(a.input),
        inputBytes: payloadBytes(a.input),
      };
      activities.set(eventId, fact);
      facts.activities.push(fact);
    } else if (e.activityTaskStartedEventAttributes) {
      const a = e.activityTaskStartedEventAttributes;
      const fact = activities.get(Number(a.scheduledEventId));
      if (fact) Object.assign(fact, { startedAt: at, attempt: a.attempt ?? 1 });
    } else if (e.activityTaskCompletedEventAttributes) {
      const a = e.activityTaskCompletedEventAttributes;
      const fact = activities.get(Number(a.scheduledEventId));
      if (fact) Object.assign(fact, { endedAt: at, ended: 'completed', result: decodePayloads(a.result)[0] });
    } else if (e.activityTaskFailedEventAttributes || e.activityTaskTimedOutEventAttributes) {
      const a = (e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes)!;
      const fact = activities.get(Number(a.scheduledEventId));
      const ended = e.activityTaskFailedEventAttributes ? 'failed' : 'timed_out';
      if (fact) Object.assign(fact, { endedAt: at, ended, failure: failureText(a.failure) });
    } else if (e.activityTaskCanceledEventAttributes) {
      const fact = activities.get(Number(e.activityTaskCanceledEventAttributes.scheduledEventId));
      if (fact) Object.assign(fact, { endedAt: at, ended: 'cancelled' });
    } else if (e.startChildWorkflowExecutionInitiatedEventAttributes) {
      const a = e.startChildWorkflowExecutionInitiatedEventAttributes;
      const fact: ChildFact = {
        eventId,
        workflowId: a.workflowId ?? '',
        type: a.workflowType?.name ?? '',
        initiatedAt: at,
      };
      children.set(eventId, fact);
      facts.children.push(fact);
    } else if (e.childWorkflowExecutionStartedEventAttributes) {
      const a = e.childWorkflowExecutionStartedEventAttributes;
      const fact = children.get(Number(a.initiatedEventId));
      if (fact) fact.runId = a.workflowExecution?.runId ?? undefined;
    } else if (e.startChildWorkflowExecutionFailedEventAttributes) {
      const a = e.startChildWorkflowExecutionFailedEventAttributes;
      const fact = children.get(Number(a.initiatedEventId));
      if (fact) Object.assign(fact, { endedAt: at, ended: 'not_started', failure: `not started: ${a.cause}` });
    } else if (e.workflowExecutionSignaledEventAttributes) {
      const a = e.workflowExecutionSignaledEventAttributes;
      facts.signals.push({ eventId, at, name: a.signalName ?? '', args: decodePayloads(a.input) });
    } else if (e.workflowExecutionUpdateAcceptedEventAttributes) {
      const a = e.workflowExecutionUpdateAcceptedEventAttributes;
      const input = a.acceptedRequest?.input;
      const fact: MessageFact = { eventId, at, name: input?.name ?? '', args: decodePayloads(input?.args) };
      updates.set(a.acceptedRequest?.meta?.updateId ?? a.protocolInstanceId ?? String(eventId), fact);
      facts.updates.push(fact);
    } else if (e.workflowExecutionUpdateCompletedEventAttributes) {
      const a = e.workflowExecutionUpdateCompletedEventAttributes;
      const fact = updates.get(a.meta?.updateId ?? '');
      const outcome = a.outcome;
      if (fact)
        fact.outcome = outcome?.failure
          ? { at, failure: failureText(outcome.failure) }
          : { at, value: decodePayloads(outcome?.success)[0] };
    } else if (e.timerStartedEventAttributes) {
      const a = e.timerStartedEventAttributes;
      const fact: TimerFact = { eventId, startedAt: at, timeoutMs: timeOf(a.startToFireTimeout) };
      timers.set(eventId, fact);
      facts.timers.push(fact);
    } else if (e.timerFiredEventAttributes || e.timerCanceledEventAttributes) {
      const a = (e.timerFiredEventAttributes ?? e.timerCanceledEventAttributes)!;
      const fact = timers.get(Number(a.startedEventId));
      if (fact) Object.assign(fact, { endedAt: at, fired: Boolean(e.timerFiredEventAttributes) });
    } else if (e.upsertWorkflowSearchAttributesEventAttributes) {
      const fields = e.upsertWorkflowSearchAttributesEventAttributes.searchAttributes?.indexedFields ?? {};
      for (const [key, p] of Object.entries(fields)) {
        facts.searchAttributes.push({ eventId, at, key, value: decodePayload(p) ?? null });
      }
    } else if (e.workflowPropertiesModifiedEventAttributes) {
      const fields = e.workflowPropertiesModifiedEventAttributes.upsertedMemo?.fields ?? {};
      for (const [key, p] of Object.entries(fields)) facts.memos.push({ eventId, at, key, value: decodePayload(p) });
    } else if (e.workflowExecutionCancelRequestedEventAttributes) {
      facts.cancelRequestedAt ??= at;
    } else {
      readEnd(e, at);
    }
  }

  function readEnd(e: Event, at: number): void {
    for (const [key, as] of childEnds) {
      const a = e[key];
      if (!a) continue;
      const fact = children.get(Number(a.initiatedEventId));
      if (!fact) return;
      Object.assign(fact, { endedAt: at, ended: as });
      if ('failure' in a) fact.failure = failureText(a.failure);
      return;
    }
    for (const [key, as] of runEnds) {
      const a = e[key];
      if (!a) continue;
      facts.closed = {
        at,
        as,
        ...('failure' in a && a.failure ? { failure: failureText(a.failure) } : {}),
        ...('reason' in a && a.reason ? { failure: `terminated: ${a.reason}` } : {}),
        ...('newExecutionRunId' in a && a.newExecutionRunId ? { nextRunId: a.newExecutionRunId } : {}),
      };
      return;
    }
  }
  return facts;
}
