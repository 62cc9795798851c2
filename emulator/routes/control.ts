import { invalidArgument } from '../errors';
import { isRecord } from '../fields';
import type { DeliveryFilter, DeliveryStatus, EmulatorControl } from '../types';
import type { HandlerResult, RouteRequest } from './route';

export interface ControlRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  handle(req: RouteRequest, control: EmulatorControl): HandlerResult;
}

const object = (req: RouteRequest): Record<string, unknown> => {
  const body = req.json();
  if (!isRecord(body)) throw invalidArgument('Request body must be a JSON object.');
  return body;
};

/** The HTTP control API under /_emulator: the same operations as `RunningEmulator.control`. */
export const controlRoutes: ControlRoute[] = [
  { method: 'GET', path: '/clock', handle: (_r, c) => ({ json: c.clock.now() }) },
  {
    method: 'POST',
    path: '/clock/advance',
    handle: async (r, c) => {
      const ms = Number(object(r).ms);
      if (!(ms >= 0)) throw invalidArgument('ms must be a number >= 0');
      return { json: await c.clock.advance(ms) };
    },
  },
  {
    method: 'POST',
    path: '/clock/time-scale',
    handle: (r, c) => ({ json: c.clock.setTimeScale(Number(object(r).timeScale)) }),
  },
  { method: 'GET', path: '/faults', handle: (_r, c) => ({ json: { faults: c.faults.list() } }) },
  {
    method: 'POST',
    path: '/faults/deliveries',
    handle: (r, c) => ({ json: c.faults.addDeliveryFault(object(r) as never) }),
  },
  { method: 'POST', path: '/faults/api', handle: (r, c) => ({ json: c.faults.addApiFault(object(r) as never) }) },
  { method: 'DELETE', path: '/faults', handle: (_r, c) => c.faults.clear() },
  {
    method: 'POST',
    path: '/model/interaction-rules',
    handle: (r, c) => c.model.addInteractionRule(object(r) as never),
  },
  { method: 'POST', path: '/model/batch-rules', handle: (r, c) => c.model.addBatchRule(object(r) as never) },
  { method: 'PUT', path: '/model/durations', handle: (r, c) => ({ json: c.model.setDurations(object(r)) }) },
  {
    method: 'PUT',
    path: '/model/video-events',
    handle: (r, c) => ({ json: { events: c.model.setVideoCompletionEvents(object(r).events as never) } }),
  },
  {
    method: 'PUT',
    path: '/model/status-events',
    handle: (r, c) => ({ json: { events: c.model.setStatusEvents(object(r).events as never) } }),
  },
  { method: 'DELETE', path: '/model/rules', handle: (_r, c) => c.model.clearRules() },
  { method: 'GET', path: '/rate-limit', handle: (_r, c) => ({ json: c.rateLimit.get() }) },
  { method: 'PUT', path: '/rate-limit', handle: (r, c) => ({ json: c.rateLimit.set(object(r) as never) }) },
  { method: 'DELETE', path: '/rate-limit', handle: (_r, c) => ({ json: c.rateLimit.set(null) }) },
  {
    method: 'GET',
    path: '/deliveries',
    handle: (r, c) => {
      const q = r.query;
      const filter: DeliveryFilter = {
        eventType: q.eventType,
        resourceId: q.resourceId,
        uri: q.uri,
        status: q.status as DeliveryStatus | undefined,
        webhookResourceId: q.webhookResourceId,
      };
      return { json: { deliveries: c.inspect.deliveries(filter) } };
    },
  },
  { method: 'GET', path: '/calls', handle: (_r, c) => ({ json: c.inspect.calls() }) },
  { method: 'DELETE', path: '/calls', handle: (_r, c) => c.inspect.resetCalls() },
  { method: 'POST', path: '/events', handle: (r, c) => ({ json: { deliveries: c.emitEvent(object(r) as never) } }) },
  { method: 'POST', path: '/idle', handle: (_r, c) => c.idle() },
  { method: 'POST', path: '/reset', handle: (_r, c) => c.reset() },
];
