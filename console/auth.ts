import { createHash } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { type ConsoleAuth, type ConsoleConfig, reviewerOfToken } from './config';
import { csrf, endSession, renewSession, sessionLost } from './session';
import { render } from './views';

type TokenAuth = Extract<ConsoleAuth, { kind: 'tokens' }>;

/**
 * What a session remembers of the token a reviewer signed in with: a digest of its configured hash. When the operator
 * removes the reviewer or changes the token, the grant no longer matches and the reviewer's sessions end.
 */
function grantOf(auth: TokenAuth, reviewer: string): string | undefined {
  const entry = auth.reviewers.find((r) => r.name === reviewer);
  return entry && createHash('sha256').update('console-grant\n').update(entry.hash).digest('base64url').slice(0, 22);
}

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
    const ended = req.query.ended === '1';
    render(req, res, 'login', { title: 'Sign in', next: localPath(req.query.next), ended });
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

  router.post('/login', limiter, csrf.csrfSynchronisedProtection, (req, res) => {
    const token = typeof req.body?.token === 'string' ? req.body.token.trim() : '';
    const reviewer = token ? reviewerOfToken(auth, token) : undefined;
    const target = localPath(req.body?.next);
    if (!reviewer) {
      res.status(401);
      return render(req, res, 'login', { title: 'Sign in', next: target, error: 'That token is not valid here.' });
    }
    renewSession(req);
    Object.assign(req.session, { reviewer, grant: grantOf(auth, reviewer), signedInAt: Date.now() });
    res.redirect(303, target);
  });
  return router;
}

export function logoutRoute(): express.Router {
  const router = express.Router();
  router.post('/logout', csrf.csrfSynchronisedProtection, (req, res) => {
    endSession(req);
    res.redirect(303, '/login');
  });
  return router;
}

/**
 * Every other route needs a reviewer: from the session (token sign-in, while the reviewer's token is still the
 * configured one), or from the proxy's header when that mode is enabled (the session then only carries the CSRF
 * token, and follows the header if the user changes). A page that is not signed in is sent to sign in, saying why
 * when its session ended; anything else gets 401.
 */
export function requireReviewer(config: ConsoleConfig) {
  return (req: Request, res: Response, next: NextFunction) => {
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
        renewSession(req);
        req.session.reviewer = user;
      }
      return next();
    }
    const { reviewer, grant } = req.session;
    if (reviewer && grant && grant === grantOf(config.auth, reviewer)) return next();
    const ended = reviewer !== undefined || sessionLost(req);
    if (reviewer !== undefined) renewSession(req);
    if (req.method === 'GET' && req.accepts('html') && req.path !== '/events') {
      const signIn = `/login?next=${encodeURIComponent(req.originalUrl)}`;
      return res.redirect(303, ended ? `${signIn}&ended=1` : signIn);
    }
    res.status(401).type('text/plain').send('not signed in');
  };
}
