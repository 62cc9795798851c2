import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { GeminiflowClient } from '../client';
import { projectRoot } from '../common/paths';
import { logoutRoute, requireReviewer, tokenRoutes } from './auth';
import type { ConsoleConfig } from './config';
import { consoleSnapshot, LiveFeed } from './live';
import { approvalRoutes } from './routes/approvals';
import { deadLetterRoutes } from './routes/dead-letters';
import { runRoutes } from './routes/runs';
import { consoleSessions } from './session';
import { type Links, render } from './views';

export interface ConsoleApp {
  app: express.Express;
  /** Ends the live streams and resolves once their last reading of Temporal has finished. */
  close(): Promise<void>;
}

/**
 * A strict policy: scripts, styles and connections from this origin only (no inline script, no CDN), no framing, forms
 * posting here only. Every page works offline.
 */
const contentSecurityPolicy = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'"],
    connectSrc: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
  },
};

/** The console: sign-in, then pending approvals, waiting runs and dead letters, live; every change CSRF-checked. */
export function createConsoleApp(opts: {
  config: ConsoleConfig;
  geminiflow: GeminiflowClient;
  namespace: string;
  logger: Logger;
}): ConsoleApp {
  const { config, geminiflow, logger } = opts;
  const app = express();
  app.disable('x-powered-by');
  app.use(helmet({ contentSecurityPolicy, crossOriginEmbedderPolicy: false }));
  app.get('/favicon.ico', (_req, res) => void res.status(204).end());
  app.use('/static', express.static(path.join(projectRoot, 'console', 'public'), { index: false, fallthrough: false }));

  const sessions = consoleSessions({
    secrets: config.session.secrets,
    secure: (config.publicUrl ?? '').startsWith('https:'),
    logger,
  });
  const live = new LiveFeed(() => consoleSnapshot(geminiflow), config.pollMs, logger);
  const links: Links = {
    namespace: opts.namespace,
    temporalUiUrl: config.temporalUiUrl,
    signOut: config.auth.kind === 'tokens',
  };
  app.use((_req, res, next) => {
    res.locals.links = links;
    // Before the page reads anything: its script compares this with when the live feed last saw a change.
    res.locals.startedAt = Date.now();
    next();
  });
  app.use(sessions);
  app.use(express.urlencoded({ extended: false, limit: '256kb' }));

  app.use(tokenRoutes(config));
  app.use(requireReviewer(config));
  app.use(logoutRoute());
  app.get('/', (_req, res) => res.redirect(303, '/approvals'));
  app.get('/events', live.route);
  app.use(approvalRoutes(geminiflow, config), runRoutes(geminiflow), deadLetterRoutes(geminiflow));

  app.use((req, res) => {
    res.status(404);
    render(req, res, 'error', { title: 'Not found', message: `Nothing at ${req.path}.` });
  });
  app.use(
    (
      err: Error & { status?: number; statusCode?: number; code?: string },
      req: Request,
      res: Response,
      _next: NextFunction,
    ) => {
      const status = err.status ?? err.statusCode ?? 500;
      if (status >= 500) logger.error({ err: err.message, path: req.path }, 'console request failed');
      if (res.headersSent) return;
      res.status(status);
      const message = status >= 500 ? 'Something went wrong here; the console log has the details.' : err.message;
      if (req.accepts('html')) render(req, res, 'error', { title: status === 403 ? 'Refused' : 'Error', message });
      else res.type('text/plain').send(message);
    },
  );
  return {
    app,
    // Decisions answered at their deadline may leave a read still ending: it must not meet a closed connection.
    close: () => live.close().then(() => geminiflow.settled()),
  };
}
