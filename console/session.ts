import { randomBytes } from 'node:crypto';
import { csrfSync } from 'csrf-sync';
import type { RequestHandler } from 'express';
import session from 'express-session';
import createMemoryStore from 'memorystore';

declare module 'express-session' {
  interface SessionData {
    /** The authenticated reviewer: the only name a decision made here records. */
    reviewer?: string;
    /** A message for the next page (after a redirect). */
    flash?: { kind: 'ok' | 'error'; text: string };
  }
}

export const sessionCookieName = 'geminiflow_console';

/**
 * Sessions in memory (pruned), signed with a key made at start: a restart signs everyone out, and nothing about a
 * session lives in the browser but its id, in an HttpOnly, SameSite=Strict cookie (Secure behind https).
 */
export function consoleSessions(opts: { secure: boolean; maxAgeMs?: number }): {
  middleware: RequestHandler;
  close(): void;
} {
  const MemoryStore = createMemoryStore(session);
  const maxAge = opts.maxAgeMs ?? 12 * 3600_000;
  const store = new MemoryStore({ checkPeriod: 15 * 60_000, ttl: maxAge });
  const middleware = session({
    name: sessionCookieName,
    secret: randomBytes(32).toString('base64'),
    store,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'strict', secure: opts.secure, maxAge, path: '/' },
  });
  return { middleware, close: () => store.stopInterval() };
}

/**
 * Synchroniser-token CSRF protection: every state-changing request carries the session's token (a hidden form field,
 * or the x-csrf-token header), on top of the SameSite=Strict cookie.
 */
export const csrf = csrfSync({
  getTokenFromRequest: (req) => {
    const fromBody = (req.body as Record<string, unknown> | undefined)?._csrf;
    return typeof fromBody === 'string' ? fromBody : req.get('x-csrf-token');
  },
  errorConfig: {
    statusCode: 403,
    message: 'this form has expired or did not come from this console: reload the page and try again',
  },
});

/** Replaces the session (a new id) so a session id set before sign-in is worth nothing after it. */
export function regenerate(req: Parameters<RequestHandler>[0]): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
}
