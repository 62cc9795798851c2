import * as Iron from '@hapi/iron';
import { parse as parseCookies } from 'cookie';
import { csrfSync } from 'csrf-sync';
import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { SessionSecrets } from './session-secret';

/** What a session holds; all of it travels in the sealed cookie, so it stays small. */
export interface SessionData {
  /** The authenticated reviewer: the only name a decision made here records. */
  reviewer?: string;
  /** Token sign-in: a digest of the reviewer's configured token hash; a token removed or changed ends the session. */
  grant?: string;
  /** When the reviewer signed in (ms); a session ends this long after it however busy it is (`maxAgeMs`). */
  signedInAt?: number;
  /** A message for the next page (after a redirect). */
  flash?: { kind: 'ok' | 'error'; text: string };
  /** The synchroniser token of the session's forms (csrf-sync). */
  csrfToken?: string | null;
  /** When the cookie was last sealed (ms): it is sealed again when the session changes or this is old. */
  sealedAt?: number;
}

declare module 'express-serve-static-core' {
  interface Request {
    session: SessionData;
  }
}

export const sessionCookieName = 'geminiflow_console';

export interface SessionOptions {
  secrets: SessionSecrets;
  /** Secure cookie (the console is reached over https). */
  secure: boolean;
  /** A session nobody used for this long ends. Default 12 h. */
  idleMs?: number;
  /** A session ends this long after sign-in, used or not. Default 7 days. */
  maxAgeMs?: number;
  logger: Logger;
}

/** A session used again within this is not sealed again unless it changed. */
const resealAfterMs = 60_000;
/** A flash longer than this is cut, so a long refusal cannot push the cookie past what browsers keep. */
const flashLimit = 600;

/** Sessions whose cookie is to be cleared on the way out (sign-out). */
const ended = new WeakSet<Request>();
/** Requests that came with a session cookie that no longer opens: the session ended while the page was open. */
const lost = new WeakSet<Request>();

/** Whether the request's session cookie was one this console can no longer read (expired, or another secret). */
export const sessionLost = (req: Request): boolean => lost.has(req);

/**
 * Sessions that survive a restart of the console: the whole session is sealed (encrypted and MACed, `@hapi/iron`)
 * into an HttpOnly, SameSite=Strict cookie (Secure behind https), with a secret from configuration. Nothing about a
 * session lives in the console's memory, so every replica with the same secret reads it. A cookie that does not
 * unseal (forged, expired, or sealed with a secret no longer configured) is an empty session: signed out.
 */
export function consoleSessions(opts: SessionOptions): RequestHandler {
  const idleMs = opts.idleMs ?? 12 * 3600_000;
  const maxAgeMs = opts.maxAgeMs ?? 7 * 24 * 3600_000;
  const keys = opts.secrets.keys;
  const unsealWith = Object.fromEntries(keys.map((k) => [k.id, k.secret]));
  const sealWith = keys[0]!;
  const ironOptions: Iron.SealOptions = { ...Iron.defaults, ttl: idleMs };
  const cookieOptions = { httpOnly: true, sameSite: 'strict', secure: opts.secure, path: '/' } as const;

  async function read(sealed: string | undefined): Promise<SessionData> {
    if (!sealed) return {};
    try {
      const data = (await Iron.unseal(sealed, unsealWith, ironOptions)) as SessionData;
      if (!data || typeof data !== 'object') return {};
      return data.signedInAt && Date.now() - data.signedInAt > maxAgeMs ? {} : data;
    } catch {
      return {};
    }
  }

  return async (req, res, next) => {
    const sealed = parseCookies(req.headers.cookie ?? '')[sessionCookieName];
    req.session = await read(sealed);
    if (sealed && Object.keys(req.session).length === 0) lost.add(req);
    const loaded = JSON.stringify(req.session);

    // The cookie is sealed when the response ends (sealing is asynchronous, so not in a headers hook); a response
    // whose headers already left (the live feed, static files) keeps the cookie it came with.
    const end = res.end.bind(res) as (...args: unknown[]) => typeof res;
    res.end = ((...args: unknown[]) => {
      if (res.headersSent) return end(...args);
      void outgoing()
        .then((cookie) => {
          if (cookie === null) res.clearCookie(sessionCookieName, cookieOptions);
          else if (cookie) res.cookie(sessionCookieName, cookie, { ...cookieOptions, maxAge: idleMs });
        })
        .catch((err: Error) => opts.logger.error({ err: err.message }, 'console: sealing the session cookie failed'))
        .finally(() => end(...args));
      return res;
    }) as typeof res.end;

    /** The cookie to send: a new seal, null to clear it, undefined to leave it as it is. */
    async function outgoing(): Promise<string | null | undefined> {
      if (ended.has(req)) return sealed ? null : undefined;
      const session = req.session;
      const empty = Object.keys(session).every((k) => k === 'sealedAt');
      if (empty) return sealed ? null : undefined;
      const changed = JSON.stringify(session) !== loaded;
      // An iron seal names its secret's id second (`Fe26.2*<id>*...`): one sealed with an older secret is sealed again.
      const current = sealed?.split('*')[1] === sealWith.id;
      if (!changed && current && Date.now() - (session.sealedAt ?? 0) < resealAfterMs) return undefined;
      if (session.flash && session.flash.text.length > flashLimit)
        session.flash = { ...session.flash, text: `${session.flash.text.slice(0, flashLimit - 1)}…` };
      return Iron.seal({ ...session, sealedAt: Date.now() }, sealWith, ironOptions);
    }
    next();
  };
}

/** Empties the session in place (a new CSRF token follows), so nothing set before sign-in is worth anything after. */
export function renewSession(req: Request): void {
  for (const key of Object.keys(req.session)) delete req.session[key as keyof SessionData];
}

/** Signs out: the session is emptied and its cookie cleared. */
export function endSession(req: Request): void {
  renewSession(req);
  ended.add(req);
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
  getTokenFromState: (req) => req.session.csrfToken,
  storeTokenInState: (req, token) => {
    req.session.csrfToken = token;
  },
  errorConfig: {
    statusCode: 403,
    message: 'this form has expired or did not come from this console: reload the page and try again',
  },
});
