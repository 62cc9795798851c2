import type { TimelineUsage } from './usage';

/** Where a stage is: still going, or how it ended. */
export type TimelineState =
  | 'running'
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'terminated'
  | 'timed_out'
  | 'denied'
  /** Its run closed (or continued as new) before it ended. */
  | 'unfinished';

/**
 * A stretch of a row's bar: `call` a request to Gemini, `gemini` Gemini working (the run waits for its event), `read`
 * reading a job's results, `person` a call waiting for a decision, `tool` a tool running, `activity` any other
 * activity, `run` a child run, `timer` a timer.
 */
export type SegmentKind = 'call' | 'gemini' | 'read' | 'person' | 'tool' | 'activity' | 'run' | 'timer';

export interface TimelineSegment {
  kind: SegmentKind;
  start: string;
  /** Absent while it lasts. */
  end?: string;
  label: string;
}

/**
 * A moment on a row: an event that ended a wait (`webhook`, which also covers the mailbox and replayed dead letters,
 * or `reconciliation`), a status read that found nothing yet (`status-read`), another event or a repeat delivery
 * (`event`, `duplicate`), a person's decision or a reminder (`decision`, `reminder`), a notification that failed, a
 * fan-out's published progress, another message to the run (`message`), a continue-as-new, a cancellation request.
 */
export type MarkKind =
  | 'webhook'
  | 'reconciliation'
  | 'status-read'
  | 'event'
  | 'duplicate'
  | 'requested'
  | 'decision'
  | 'reminder'
  | 'notification-failed'
  | 'progress'
  | 'message'
  | 'continued'
  | 'cancel-requested';

export interface TimelineMark {
  kind: MarkKind;
  at: string;
  label: string;
}

/** How an event reached the run (GeminiEvent's `via`). */
export type EventVia = 'webhook' | 'mailbox' | 'replay' | 'reconciliation';

/** A Gemini job: what created it and which event ended the wait on it. */
export interface TimelineJob {
  kind: string;
  id: string;
  /** The model or agent. */
  model?: string;
  /** The event that ended the wait, how it arrived, and when. */
  endedBy?: { type: string; via: EventVia; at: string; webhookId?: string };
  /** How long the run waited for it, from the job's creation (or the wait's start). */
  waitedMs?: number;
}

/** A tool call: the person's decision when it needed one, and what the tool did. */
export interface TimelineToolCall {
  name: string;
  callId: string;
  approval?: {
    requestedAt: string;
    decision?: 'approved' | 'edited' | 'denied' | 'answered' | 'timed_out';
    reviewer?: string;
    reason?: string;
    decidedAt?: string;
    /** How long the person took, from the request to the decision. */
    tookMs?: number;
  };
  outcome?: 'ok' | 'error';
}

/** A child run (or the run itself) on the timeline. */
export interface TimelineRun {
  workflowId: string;
  type: string;
  /** Its runs in order (more than one when it continued as new); empty when its history was not read. */
  runIds: string[];
  /** False when its own history was not read (the limit, or Temporal no longer keeps it): its row is all there is. */
  expanded: boolean;
}

/** One stage: a bar on the time axis, with its own stages nested under it. */
export interface TimelineRow {
  /** Unique in the timeline. */
  key: string;
  kind: 'run' | 'job' | 'tool' | 'activity' | 'timer' | 'more';
  /** Its name: the stage, the job, the tool or the activity. */
  label: string;
  /** How it went, in a line: `interaction.completed by webhook after 1.5 s`. */
  summary: string;
  /** Further facts, a line each: ids, models, sizes and short excerpts (never whole prompts, never secrets). */
  details: string[];
  start: string;
  /** Absent while it lasts. */
  end?: string;
  state: TimelineState;
  segments: TimelineSegment[];
  marks: TimelineMark[];
  /** Gemini usage with an estimated cost: a job's, or a run's (its children's included). */
  usage?: TimelineUsage;
  run?: TimelineRun;
  job?: TimelineJob;
  tool?: TimelineToolCall;
  children: TimelineRow[];
}

/** A run's timeline, its child runs nested, read from the histories Temporal keeps (no worker needed). */
export interface RunTimeline {
  workflowId: string;
  type: string;
  state: TimelineState;
  start: string;
  /** When it closed, or when it was read while it still runs. */
  end: string;
  readAt: string;
  /** The date of the price table costs are estimated with. */
  pricesOf: string;
  root: TimelineRow;
  /** Histories read; child runs left unread once the limit was reached. */
  historiesRead: number;
  runsNotRead: number;
}
