import type { IncomingMessage, ServerResponse } from 'node:http';
import { notServed, pathOf, type RequestHandler, send } from './http';
import type { ReceiverMetrics } from './metrics';
import { type ReceiverStatusSource, readReceiverStatus } from './ops-status';

export interface OperationsDeps {
  metrics: ReceiverMetrics;
  /** Whether Temporal answers right now. */
  ready: () => Promise<boolean>;
  /** What `/status` reports: key ids and fingerprints, never a secret. */
  status: Omit<ReceiverStatusSource, 'metrics'>;
}

/**
 * The operations routes (metrics, readiness with details, the setup's status), for a private listener or a holder of
 * the operations token; false when the request is not one of them.
 */
export function serveOperationsRoute(deps: OperationsDeps, req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== 'GET') return false;
  const path = pathOf(req);
  if (path === '/readyz') {
    void deps
      .ready()
      .then((ready) =>
        send(res, ready ? 200 : 503, JSON.stringify({ ok: ready, temporal: ready ? 'reachable' : 'unreachable' })),
      );
    return true;
  }
  if (path === '/metrics') {
    void deps.metrics.registry.metrics().then((text) => {
      res.writeHead(200, { 'content-type': deps.metrics.registry.contentType }).end(text);
    });
    return true;
  }
  if (path === '/status') {
    void readReceiverStatus({ ...deps.status, metrics: deps.metrics }).then((status) =>
      send(res, 200, JSON.stringify(status)),
    );
    return true;
  }
  return false;
}

/** The handler for the operations listener: `/healthz`, `/readyz` with details, `/metrics`, `/status`. */
export function createOperationsHandler(deps: OperationsDeps): RequestHandler {
  return (req, res, next) => {
    if (req.method === 'GET' && pathOf(req) === '/healthz') return send(res, 200, '{"ok":true}');
    if (!serveOperationsRoute(deps, req, res)) notServed(res, next);
  };
}
