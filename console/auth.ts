import express, { type NextFunction, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { type ConsoleConfig, reviewerOfToken } from './config';
import { csrf, regenerate } from './session';
import { render } from './views';

/** Only local paths: a `next` that points elsewhere is ignored, so sign-in cannot send a reviewer to another site. */
function localPath(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])/.test(next) ? next : '/approvals';
}

/**
 * Sign-in with a reviewer token (the token is compared by hash, then exchanged for a fresh session), and sign-out.
 * Failed sign-ins are limited per client address; successful ones do not count.
 */
export function tokenRoutes(config: ConsoleConfig): express.Router {
  const auth = config.auth;
  const router = express.Router();
  if (auth.kind !== 'tokens') return router;

  router.get('/login', (req, res) => {
    render(req, res, 'login', { title: 'Sign in', next: localPath(req.query.next) });
  });

  const limiter = rateLimit({
    windowMs: config.loginLimit.windowMs,
    limit: config.loginLimit.max,
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (req, res) => {
      res.status(429);
      render(req, res, 'login', {
        title: 'Sign in',
        next: '/approvals',
        error: 'Too many failed sign-ins from this address. Wait a few minutes, then try again.',
      });
    },
  });

  router.post('/login', limiter, csrf.csrfSynchronisedProtection, async (req, res, next) => {
    const token = typeof req.body?.token === 'string' ? req.body.token.trim() : '';
    const reviewer = token ? reviewerOfToken(auth, token) : undefined;
    const target = localPath(req.body?.next);
    if (!reviewer) {
      res.status(401);
      return render(req, res, 'login', { title: 'Sign in', next: target, error: 'That token is not valid here.' });
    }
    try {
      await regenerate(req);
      req.session.reviewer = reviewer;
      res.redirect(303, target);
    } catch (err) {
      next(err);
    }
  });
  return router;
}

export function logoutRoute(): express.Router {
  const router = express.Router();
  router.post('/logout', csrf.csrfSynchronisedProtection, (req, res, next) => {
    req.session.destroy((err) => (err ? next(err) : res.redirect(303, '/login')));
  });
  return router;
}

/**
 * Every other route needs a reviewer: from the session (token sign-in), or from the proxy's header when that mode is
 * enabled (the session then only carries the CSRF token, and follows the header if the user changes).
 */
export function requireReviewer(config: ConsoleConfig) {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (config.auth.kind === 'header') {
      const user = req.get(config.auth.header)?.trim();
      if (!user) {
        res
          .status(401)
          .type('text/plain')
          .send(`not signed in: the authenticating proxy sent no ${config.auth.header} header`);
        return;
      }
      if (req.session.reviewer !== user) {
        try {
          await regenerate(req);
        } catch (err) {
          return next(err);
        }
        req.session.reviewer = user;
      }
      return next();
    }
    if (req.session.reviewer) return next();
    if (req.method === 'GET' && req.accepts('html') && req.path !== '/events') {
      return res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
    }
    res.status(401).type('text/plain').send('not signed in');
  };
}
