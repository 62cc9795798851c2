import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { DeliveryResult } from './delivery-result';
import type { DeliveryHandler } from './handle-delivery';
import { notServed, pathOf, type RequestHandler, send } from './http';
import { type OperationsDeps, serveOperationsRoute } from './operations-handler';
import { readBody } from './read-body';

export interface WebhookHandlerDeps extends OperationsDeps {
  path: string;
  maxBodyBytes: number;
  deliveries: DeliveryHandler;
  /** When set, the operations routes are also served here, to this bearer token. */
  opsToken?: string;
  logger: Logger;
}

const yieldToArrivals = () => new Promise<void>((resolve) => setImmediate(resolve));

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

function bearer(token: string): (req: IncomingMessage) => boolean {
  const expected = Buffer.from(`Bearer ${token}`);
  return (req) => {
    const given = Buffer.from(req.headers.authorization ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
}

/**
 * The public handler: the webhook route (the body is read raw and bounded, so nothing parses it before verification),
 * health, and readiness as a bare status. The webhook route does only what a delivery needs: read, verify, parse,
 * deduplicate, hand over, answer. Every answer is logged with the reason, without the body; refusals answer a short
 * reason only; a delivery turned away by admission control gets Retry-After.
 */
export function createWebhookHandler(deps: WebhookHandlerDeps): RequestHandler {
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
    const busy = deps.deliveries.atDoor();
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
      } else result = await deps.deliveries.handle(req.rawHeaders, read.body);
    } catch (err) {
      // A bug here, not the sender's fault: 500 so Gemini retries. Nothing was signaled.
      result = { status: 500, outcome: 'refused', reason: 'internal error', error: String(err).slice(0, 200) };
      metrics.deliveries.inc('none', 'refused', 'none');
    }
    deps.deliveries.leftDoor();
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
    if (isOperator?.(req) && serveOperationsRoute(deps, req, res)) return;
    if (req.method === 'GET' && path === '/readyz') {
      return void deps.ready().then((ready) => send(res, ready ? 200 : 503, JSON.stringify({ ok: ready })));
    }
    notServed(res, next);
  };
}
