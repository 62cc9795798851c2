import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { DeliveryHandler, DeliveryResult } from './handle-delivery';
import type { ReceiverMetrics } from './metrics';

export interface AppDeps {
  path: string;
  maxBodyBytes: number;
  handler: DeliveryHandler;
  metrics: ReceiverMetrics;
  /** Whether Temporal answers right now. */
  ready: () => Promise<boolean>;
  logger: Logger;
}

/**
 * HTTP only: the body is read raw (no JSON parser runs before verification) and every answer is logged with the
 * reason, without the body.
 */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Answers are tiny, fresh and never cached: hashing each one for an ETag is wasted work.
  app.set('etag', false);
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
      const result = await deps.handler.handle(req.headersDistinct, body);
      log(result, performance.now() - started);
      res
        .status(result.status)
        .json(result.status < 300 ? { outcome: result.outcome } : { error: result.reason ?? result.outcome });
    },
  );

  app.get('/healthz', (_req, res) => void res.json({ ok: true }));
  app.get('/readyz', async (_req, res) => {
    const ready = await deps.ready();
    res.status(ready ? 200 : 503).json({ ok: ready, temporal: ready ? 'reachable' : 'unreachable' });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  // Body-reading failures (too large, aborted, bad encoding: body-parser sets `type`) are the sender's; anything else
  // is a bug here, answered 500 so Gemini retries. Either way nothing was signaled.
  app.use((err: Error & { status?: number; type?: string }, req: Request, res: Response, _next: NextFunction) => {
    const fromBody = typeof err.type === 'string';
    const status =
      err.type === 'entity.too.large' ? 413 : fromBody ? (err.status && err.status < 500 ? err.status : 400) : 500;
    const result: DeliveryResult = {
      status,
      outcome: 'refused',
      reason: fromBody ? err.type : `internal error: ${err.message.slice(0, 200)}`,
    };
    if (req.path === deps.path) deps.metrics.deliveries.inc({ type: 'none', outcome: 'refused', scheme: 'none' });
    log(result, 0);
    if (!res.headersSent) res.status(status).json({ error: result.reason });
  });
  return app;
}
