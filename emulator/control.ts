import { isoOf } from './clock';
import type { EmulatorCore } from './core';
import { invalidArgument } from './errors';
import type { ClockState, DeliveryFilter, DeliveryRecord, EmulatorControl } from './types';

/** The control surface for tests and tools; the HTTP control API (routes/control.ts) exposes the same operations. */
export function createControl(core: EmulatorCore): EmulatorControl {
  const clockState = (): ClockState => {
    const now = core.clock.now();
    return { now, nowIso: isoOf(now), timeScale: core.clock.timeScale };
  };
  const control: EmulatorControl = {
    clock: {
      now: clockState,
      async advance(ms) {
        await core.scheduler.advance(ms);
        return clockState();
      },
      setTimeScale(scale) {
        core.clock.setTimeScale(scale);
        core.scheduler.rearm();
        return clockState();
      },
    },
    faults: {
      addDeliveryFault: (f) => core.faults.addDeliveryFault(f),
      addApiFault: (f) => core.faults.addApiFault(f),
      list: () => core.faults.list(),
      clear() {
        core.faults.clear();
        core.deliverer.releaseHeld();
      },
    },
    model: {
      addInteractionRule: (r) => core.model.addInteractionRule(r),
      addBatchRule: (r) => core.model.addBatchRule(r),
      setDurations: (d) => core.model.setDurations(d),
      setVideoCompletionEvents: (events) => core.video.setCompletionEvents(events),
      setStatusEvents: (events) => core.interactions.setStatusEvents(events),
      clearRules: () => core.model.clearRules(),
    },
    rateLimit: {
      set: (limit) => core.rateLimit.set(limit),
      get: () => core.rateLimit.state(),
    },
    inspect: {
      deliveries: (filter) => core.deliverer.list(filter),
      calls: () => core.calls.snapshot(),
      resetCalls: () => core.calls.clear(),
    },
    emitEvent(event) {
      if (!event || typeof event.type !== 'string' || !event.data || typeof event.data !== 'object') {
        throw invalidArgument('an event needs a type and a data object');
      }
      return core.publisher.publish(event.type, event.data, { uris: event.uris, userMetadata: event.userMetadata });
    },
    idle: () => core.scheduler.idle(),
    waitForDeliveries: (filter, predicate, timeoutMs) => waitForDeliveries(core, filter, predicate, timeoutMs),
    reset: () => core.reset(),
  };
  return control;
}

const atLeastOneDelivered = (records: DeliveryRecord[]) => records.some((r) => r.status === 'delivered');

function waitForDeliveries(
  core: EmulatorCore,
  filter: DeliveryFilter,
  predicate: (records: DeliveryRecord[]) => boolean = atLeastOneDelivered,
  timeoutMs = 10_000,
): Promise<DeliveryRecord[]> {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let checkQueued = false;
    const check = () => {
      checkQueued = false;
      const records = core.deliverer.list(filter);
      if (!predicate(records)) return false;
      finish();
      resolve(records);
      return true;
    };
    // Checks are coalesced so that thousands of delivery changes cost one evaluation per tick.
    const unsubscribe = core.deliverer.onChange(() => {
      if (!checkQueued) {
        checkQueued = true;
        setImmediate(check);
      }
    });
    const finish = () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
    };
    if (check()) return;
    timer = setTimeout(() => {
      finish();
      const records = core.deliverer.list(filter);
      reject(
        new Error(
          `waitForDeliveries timed out after ${timeoutMs} ms; ${records.length} matching deliveries: ` +
            records.map((r) => `${r.eventType}:${r.status}(${r.attempts.length} attempts)`).join(', '),
        ),
      );
    }, timeoutMs);
  });
}
