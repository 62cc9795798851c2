import type { Duration } from '@temporalio/common';
import {
  condition,
  defineQuery,
  isCancellation,
  log,
  patched,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import {
  allTerminalTypes,
  defaultUntil,
  describeResource as describe,
  failureTypesOf,
  type GeminiEvent,
  type GeminiEventType,
  GeminiResourceIds,
  type GeminiResourceRef,
  GeminiWaitingFor,
  GeminiWaitingSince,
  geminiEventSignal,
  maxTrackedIds,
  resourceKey,
} from '../contract';
import { reconcileGeminiResource } from './activities';
import { durationMs } from './duration';
import { endWorkflowSpan, startWorkflowSpan } from './spans';

/*
 * Runs that wait here may wait for hours, so their histories must keep replaying on newer code: test/replay.test.ts
 * replays the saved histories in test/histories/. A change to what this code schedules (timers, activities, search
 * attribute upserts, their order) goes behind `patched('<change-id>')`, keeping the old path for old runs, e.g.
 *   if (patched('reconcile-jitter')) await sleep(jitter); // new runs only
 * and then a new history is recorded for the new path (scripts/record-histories.ts).
 */

/** The reconciliation backstop of a wait; every workflow takes it as its `wait` input. */
export interface WaitSettings {
  /** First quiet period before the backstop status read (default 2 minutes); it doubles after each read. */
  reconcileAfter?: Duration;
  /** Longest quiet period (default 30 minutes). */
  reconcileMax?: Duration;
}

export interface WaitOptions extends WaitSettings {
  /** Events that end the wait. Default: every terminal type of the kind (+ requires_action for interactions). */
  until?: GeminiEventType[];
}

/**
 * A workflow's wait settings: `wait`, or the flat `reconcileAfter`/`reconcileMax` of earlier versions, which saved
 * histories still hold.
 */
export function waitSettingsOf(input: WaitSettings & { wait?: WaitSettings }): WaitSettings {
  return {
    reconcileAfter: input.wait?.reconcileAfter ?? input.reconcileAfter,
    reconcileMax: input.wait?.reconcileMax ?? input.reconcileMax,
  };
}

export interface ResolvedWait {
  event: GeminiEvent;
  resolvedBy: 'webhook' | 'reconciliation';
  waitedMs: number;
}

export interface GeminiEvents {
  /**
   * Records the resource as this run's (search attribute GeminiResourceIds) - call as soon as the id is known, unless
   * a wait on it starts at once (waitFor tracks what it waits on).
   */
  track(resource: GeminiResourceRef): void;
  waitFor(resource: GeminiResourceRef, opts?: WaitOptions): Promise<ResolvedWait>;
  /** The inbox to hand to the next run when the workflow continues as new, so no received event is lost. */
  carryOver(): GeminiEventsCarryOver;
}

/** What one run passes to its continuation: events received but not consumed, and what was already handled. */
export interface GeminiEventsCarryOver {
  pending: GeminiEvent[];
  seenWebhookIds: string[];
  handled: string[];
  trackedResources: string[];
}

export interface GeminiWaitView {
  resource: GeminiResourceRef;
  until: GeminiEventType[];
  since: string;
  reconcileChecks: number;
  nextCheckAt: string;
}

export interface GeminiResolvedView {
  resource: GeminiResourceRef;
  type: GeminiEventType;
  resolvedBy: ResolvedWait['resolvedBy'];
  waitedMs: number;
  at: string;
}

export interface GeminiWaitsState {
  waiting: GeminiWaitView[];
  resolved: GeminiResolvedView[];
  /** Deliveries dropped as repeats (same webhook-id, or a state this run already handled). */
  duplicatesIgnored: number;
}

/** What the run is waiting for, since when, and how each earlier wait was resolved. */
export const geminiWaitsQuery = defineQuery<GeminiWaitsState>('geminiWaits');

export const defaultReconcileAfter: Duration = '2 minutes';
export const defaultReconcileMax: Duration = '30 minutes';

const maxResolvedKept = 50;

/**
 * Call at the very top of a workflow: sets the geminiEvent signal handler and the `geminiWaits` query, so an event that
 * arrives before the wait begins is kept.
 */
export function listenForGeminiEvents(carried?: GeminiEventsCarryOver): GeminiEvents {
  const seenWebhookIds = new Set(carried?.seenWebhookIds);
  const handled = new Set(carried?.handled); // `${resourceKey}|${type}` taken by a wait
  const pending: GeminiEvent[] = [...(carried?.pending ?? [])];
  const tracked = new Set(carried?.trackedResources);
  const waiting: GeminiWaitView[] = [];
  const resolved: GeminiResolvedView[] = [];
  let duplicatesIgnored = 0;

  const isRepeat = (e: GeminiEvent): boolean => {
    const key = resourceKey(e.resourceId);
    if (handled.has(`${key}|${e.type}`)) return true;
    // After a terminal state every other state is stale, except video.generated: a separate fact about the same id.
    return e.type !== 'video.generated' && allTerminalTypes.some((t) => handled.has(`${key}|${t}`));
  };

  setHandler(geminiEventSignal, (event) => {
    if (seenWebhookIds.has(event.webhookId) || isRepeat(event)) {
      duplicatesIgnored++;
      return;
    }
    seenWebhookIds.add(event.webhookId);
    pending.push(event);
  });
  setHandler(geminiWaitsQuery, () => ({ waiting: [...waiting], resolved: [...resolved], duplicatesIgnored }));

  const takePending = (resource: GeminiResourceRef, ends: Set<GeminiEventType>): GeminiEvent | undefined => {
    const key = resourceKey(resource.id);
    const i = pending.findIndex((e) => resourceKey(e.resourceId) === key && ends.has(e.type) && !isRepeat(e));
    return i < 0 ? undefined : pending.splice(i, 1)[0];
  };

  const markHandled = (event: GeminiEvent) => {
    seenWebhookIds.add(event.webhookId);
    handled.add(`${resourceKey(event.resourceId)}|${event.type}`);
    // Once a state is handled, queued copies of it (other webhook-ids) are repeats; drop them from memory.
    for (let i = pending.length - 1; i >= 0; i--) {
      if (isRepeat(pending[i]!)) {
        pending.splice(i, 1);
        duplicatesIgnored++;
      }
    }
  };

  const showWaiting = () => {
    const first = waiting[0];
    upsertSearchAttributes([
      { key: GeminiWaitingFor, value: first ? describe(first.resource) : null },
      { key: GeminiWaitingSince, value: first ? new Date(first.since) : null },
    ]);
  };

  const track = (resource: GeminiResourceRef) => {
    if (tracked.has(resource.id)) return;
    tracked.add(resource.id);
    // Temporal caps a search attribute value at 2 KiB; the newest ids are the ones events can still arrive for.
    upsertSearchAttributes([{ key: GeminiResourceIds, value: [...tracked].slice(-maxTrackedIds) }]);
  };

  return {
    track,

    async waitFor(resource, opts = {}) {
      track(resource);
      const until = opts.until ?? defaultUntil(resource.kind);
      const ends = new Set<GeminiEventType>([...until, ...failureTypesOf(resource.kind)]);
      const startedAt = Date.now();
      const continuation = continuationWatch();
      let quietMs = durationMs(opts.reconcileAfter ?? defaultReconcileAfter);
      const maxQuietMs = Math.max(quietMs, durationMs(opts.reconcileMax ?? defaultReconcileMax));
      const view: GeminiWaitView = {
        resource,
        until,
        since: new Date(startedAt).toISOString(),
        reconcileChecks: 0,
        nextCheckAt: new Date(startedAt + quietMs).toISOString(),
      };
      waiting.push(view);
      showWaiting();
      // From the job's creation (the wait starts right after it) to the event that ended it, and how it came.
      const span = startWorkflowSpan(`wait ${resource.kind}`, {
        'geminiflow.resource.kind': resource.kind,
        'geminiflow.resource.id': resource.id,
        'geminiflow.wait.until': until,
      });

      const finish = (event: GeminiEvent, resolvedBy: ResolvedWait['resolvedBy']): ResolvedWait => {
        markHandled(event);
        const waitedMs = Date.now() - startedAt;
        resolved.push({ resource, type: event.type, resolvedBy, waitedMs, at: new Date().toISOString() });
        if (resolved.length > maxResolvedKept) resolved.shift();
        log.info('Gemini wait resolved', { resource: describe(resource), type: event.type, resolvedBy, waitedMs });
        endWorkflowSpan(span, {
          'geminiflow.wait.resolved_by': resolvedBy,
          'geminiflow.event.type': event.type,
          'geminiflow.webhook.id': resolvedBy === 'webhook' ? event.webhookId : undefined,
          'geminiflow.wait.ms': waitedMs,
          'geminiflow.wait.reconcile_checks': view.reconcileChecks,
        });
        return { event, resolvedBy, waitedMs };
      };

      try {
        for (;;) {
          let found: GeminiEvent | undefined;
          await condition(() => (found ??= takePending(resource, ends)) !== undefined, quietMs);
          // Checked by value, not by condition's answer: an event taken in the activation the timer fired is kept.
          if (found) return finish(found, 'webhook');

          view.reconcileChecks++;
          const fromStatus = await readStatusOnce(resource, until);
          // A webhook that landed while the status was being read wins: it carries the full payload.
          const late = takePending(resource, ends);
          if (late) return finish(late, 'webhook');
          if (fromStatus && ends.has(fromStatus.type) && !continuation.goesOn(fromStatus, until, maxQuietMs)) {
            return finish(fromStatus, 'reconciliation');
          }

          quietMs = Math.min(quietMs * 2, maxQuietMs);
          view.nextCheckAt = new Date(Date.now() + quietMs).toISOString();
        }
      } finally {
        waiting.splice(waiting.indexOf(view), 1);
        showWaiting();
        // Still open here: the wait was cancelled, or a status read threw.
        endWorkflowSpan(span, { 'geminiflow.wait.ended_without_event': true });
      }
    },

    carryOver() {
      return {
        pending: [...pending],
        seenWebhookIds: [...seenWebhookIds],
        handled: [...handled],
        trackedResources: [...tracked],
      };
    },
  };
}

/**
 * Gemini continues a background interaction that reached its per-request decode limit by itself, so a status read of
 * `requires_continuation` does not end a wait that did not ask for it, unless the interaction shows the same
 * continuation token for longer than the longest quiet period: then it is stalled, and the wait ends naming it.
 */
function continuationWatch() {
  let seen: { token: unknown; since: number } | undefined;
  return {
    goesOn(read: GeminiEvent, until: readonly GeminiEventType[], maxQuietMs: number): boolean {
      if (read.type !== 'interaction.requires_continuation' || until.includes(read.type)) return false;
      const token = read.data.continuation_token;
      const since = seen && seen.token === token ? seen.since : Date.now();
      seen = { token, since };
      // Ending a wait on a stall is new (older code read this status as running and kept waiting).
      return Date.now() - since < maxQuietMs || !patched('interaction-continuation-stall');
    },
  };
}

/** The backstop: one status read. A failed read is not fatal; the next quiet period tries again. */
async function readStatusOnce(resource: GeminiResourceRef, until: GeminiEventType[]): Promise<GeminiEvent | null> {
  try {
    return await reconcileGeminiResource(resource, until);
  } catch (err) {
    if (isCancellation(err)) throw err;
    log.warn('Gemini status read failed; will retry after the next quiet period', {
      resource: describe(resource),
      error: err instanceof Error ? err.message : String(err),
    });
    return null;
  }
}
