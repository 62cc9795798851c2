import { timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { DeliveryHandler, DeliveryResult } from './handle-delivery';
import type { ReceiverMetrics } from './metrics';
import { receiverStatusRoute, type ReceiverStatusSource } from './ops-status';

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

function newApp(): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Answers are tiny, fresh and never cached: hashing each one for an ETag is wasted work.
  app.set('etag', false);
  return app;
}

/** The operations routes: metrics, readiness with details and the setup's status, for a private listener or a token holder. */
function opsRoutes(deps: AppDeps): express.Router {
  const router = express.Router();
  router.get('/readyz', async (_req, res) => {
    const ready = await deps.ready();
    res.status(ready ? 200 : 503).json({ ok: ready, temporal: ready ? 'reachable' : 'unreachable' });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  router.use(receiverStatusRoute({ ...deps.status, metrics: deps.metrics }));
  return router;
}

function bearer(token: string) {
  const expected = Buffer.from(`Bearer ${token}`);
  return (req: Request, _res: Response, next: NextFunction) => {
    const given = Buffer.from(req.get('authorization') ?? '');
    // Without the token these routes do not exist here, so nothing tells a stranger they are behind a token.
    if (given.length === expected.length && timingSafeEqual(given, expected)) next();
    else next('router');
  };
}

/** The operations app for its own listener: health, readiness details and metrics. */
export function createOpsApp(deps: AppDeps): express.Express {
  const app = newApp();
  app.get('/healthz', (_req, res) => void res.json({ ok: true }));
  app.use(opsRoutes(deps));
  return app;
}

/**
 * The public app: the webhook route (the body is read raw, so no JSON parser runs before verification), health, and
 * readiness as a bare status. Every answer is logged with the reason, without the body; refusals answer a short
 * reason only.
 */
export function createWebhookApp(deps: AppDeps): express.Express {
  const app = newApp();
  const log = (result: DeliveryResult, ms: number) => {
    const level = result.status >= 500 ? 'warn' : 'info';
    deps.logger[level](
      { ...result, ms: Math.round(ms * 10) / 10 },
      result.status < 300 ? 'delivery accepted' : 'delivery refused',
    );
  };

  app.post(
    deps.path,
    express.raw({ type: () => true, limit: deps.maxBodyBytes }),
    async (req: Request, res: Response) => {
      const started = performance.now();
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const result = await deps.handler.handle(req.headersDistinct as Record<string, string[]>, body);
      log(result, performance.now() - started);
      res
        .status(result.status)
        .json(result.status < 300 ? { outcome: result.outcome } : { error: result.reason ?? result.outcome });
    },
  );

  app.get('/healthz', (_req, res) => void res.json({ ok: true }));
  if (deps.opsToken) {
    const ops = express.Router();
    ops.use(bearer(deps.opsToken), opsRoutes(deps));
    app.use(ops);
  }
  app.get('/readyz', async (_req, res) => {
    const ready = await deps.ready();
    res.status(ready ? 200 : 503).json({ ok: ready });
  });

  // Body-reading failures (too large, aborted, bad encoding: body-parser sets `type`) are the sender's; anything else
  // is a bug here, answered 500 so Gemini retries. Either way nothing was signaled.
  app.use((err: Error & { status?: number; type?: string }, req: Request, res: Response, _next: NextFunction) => {
    const fromBody = typeof err.type === 'string';
    const status =
      err.type === 'entity.too.large' ? 413 : fromBody ? (err.status && err.status < 500 ? err.status : 400) : 500;
    const reason = err.type === 'entity.too.large' ? 'body too large' : fromBody ? 'body could not be read' : 'internal error';
    const result: DeliveryResult = { status, outcome: 'refused', reason, error: err.message.slice(0, 200) };
    if (req.path === deps.path) deps.metrics.deliveries.inc({ type: 'none', outcome: 'refused', scheme: 'none' });
    log(result, 0);
    if (!res.headersSent) res.status(status).json({ error: reason });
  });
  return app;
}
