import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { DeliveryResult } from './delivery-result';
import type { DeliveryHandler } from './handle-delivery';
import type { ReceiverMetrics } from './metrics';
import { type ReceiverStatusSource, readReceiverStatus } from './ops-status';
import { readBody } from './read-body';

/**
 * A plain Node request handler: give it to `http.createServer`, or mount it in Express or Connect (`app.use(handler)`,
 * with a path prefix if you like), where requests it does not serve go on to `next`.
 */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => void;

export interface AppDeps {
  path: string;
  maxBodyBytes: number;
  handler: DeliveryHandler;
  metrics: ReceiverMetrics;
  /** Whether Temporal answers right now. */
  ready: () => Promise<boolean>;
  /** When set, the public app also serves the operations routes to this bearer token. */
  opsToken?: string;
  /** What `/status` reports: key ids and fingerprints, never a secret. */
  status: Omit<ReceiverStatusSource, 'metrics'>;
  logger: Logger;
}

const jsonType = 'application/json; charset=utf-8';

const yieldToArrivals = () => new Promise<void>((resolve) => setImmediate(resolve));

function send(res: ServerResponse, status: number, body: string, extra?: Record<string, string>): void {
  res.writeHead(status, { 'content-type': jsonType, 'content-length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

// Every answer is one of a few short bodies: made once, not per request.
const answers = new Map<string, string>();
function answerBody(result: DeliveryResult): string {
  const key = result.status < 300 ? `o:${result.outcome}` : `e:${result.reason ?? result.outcome}`;
  let body = answers.get(key);
  if (body === undefined) {
    const shown = result.status < 300 ? { outcome: result.outcome } : { error: result.reason ?? result.outcome };
    body = JSON.stringify(shown);
    if (answers.size < 500) answers.set(key, body);
  }
  return body;
}

const pathOf = (req: IncomingMessage) => {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
};

/** The operations routes: metrics, readiness with details and the setup's status, for a private listener or a token holder. */
function opsRoute(deps: AppDeps, req: IncomingMessage, res: ServerResponse): boolean {
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

function bearer(token: string): (req: IncomingMessage) => boolean {
  const expected = Buffer.from(`Bearer ${token}`);
  return (req) => {
    const given = Buffer.from(req.headers.authorization ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
}

const notFound = (res: ServerResponse, next?: (err?: unknown) => void) =>
  next ? next() : send(res, 404, '{"error":"not found"}');

/** The operations app for its own listener: health, readiness details and metrics. */
export function createOpsApp(deps: AppDeps): RequestHandler {
  return (req, res, next) => {
    if (req.method === 'GET' && pathOf(req) === '/healthz') return send(res, 200, '{"ok":true}');
    if (!opsRoute(deps, req, res)) notFound(res, next);
  };
}

/**
 * The public app: the webhook route (the body is read raw and bounded, so nothing parses it before verification),
 * health, and readiness as a bare status. The webhook route does only what a delivery needs: read, verify, parse,
 * deduplicate, hand over, answer. Every answer is logged with the reason, without the body; refusals answer a short
 * reason only; a delivery turned away by admission control gets Retry-After.
 */
export function createWebhookApp(deps: AppDeps): RequestHandler {
  const { logger, metrics } = deps;
  const log = (result: DeliveryResult, ms: number) => {
    const fields = { ...result, ms: Math.round(ms * 10) / 10 };
    // A delivery turned away for lack of room is load shedding, not a fault: info, like the deliveries accepted.
    if (result.status >= 500 && result.outcome !== 'busy') logger.warn(fields, 'delivery refused');
    else if (logger.isLevelEnabled('info')) {
      logger.info(fields, result.status < 300 ? 'delivery accepted' : 'delivery refused');
    }
  };
  const deliver = async (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const busy = deps.handler.atDoor();
    if (busy) return answer(res, busy, started);
    let result: DeliveryResult;
    try {
      // Requests that arrived together are all seen at the door before any of them is verified, so the ones with no
      // room are answered first, without waiting behind the work of the ones let in.
      await yieldToArrivals();
      const read = await readBody(req, deps.maxBodyBytes);
      if (!read.ok) {
        result = { status: read.status, outcome: 'refused', reason: read.reason };
        metrics.deliveries.inc('none', 'refused', 'none');
      } else result = await deps.handler.handle(req.rawHeaders, read.body);
    } catch (err) {
      // A bug here, not the sender's fault: 500 so Gemini retries. Nothing was signaled.
      result = { status: 500, outcome: 'refused', reason: 'internal error', error: String(err).slice(0, 200) };
      metrics.deliveries.inc('none', 'refused', 'none');
    }
    deps.handler.leftDoor();
    answer(res, result, started);
  };
  const answer = (res: ServerResponse, result: DeliveryResult, started: number) => {
    log(result, performance.now() - started);
    const extra: Record<string, string> = {};
    if (result.retryAfterSec !== undefined) extra['retry-after'] = String(result.retryAfterSec);
    if (result.status === 413) extra.connection = 'close';
    send(res, result.status, answerBody(result), extra);
  };
  const isOperator = deps.opsToken ? bearer(deps.opsToken) : undefined;

  return (req, res, next) => {
    const path = pathOf(req);
    if (path === deps.path) {
      if (req.method === 'POST') return void deliver(req, res);
      return send(res, 405, '{"error":"method not allowed"}', { allow: 'POST' });
    }
    if (req.method === 'GET' && path === '/healthz') return send(res, 200, '{"ok":true}');
    // Without the token these routes do not exist here, so nothing tells a stranger they are behind a token.
    if (isOperator?.(req) && opsRoute(deps, req, res)) return;
    if (req.method === 'GET' && path === '/readyz') {
      return void deps.ready().then((ready) => send(res, ready ? 200 : 503, JSON.stringify({ ok: ready })));
    }
    notFound(res, next);
  };
}
