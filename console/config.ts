import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { envSchema, parseEnv } from '../common/env';
import { SetupError } from '../common/errors';
import { parseReviewerGroups, type ReviewerGroups } from './reviewer-groups';
import { defaultSecretFile, parseSecrets, SessionSecrets, secretsFromFile } from './session-secret';

/** How reviewers prove who they are. */
export type ConsoleAuth =
  /** Per-reviewer tokens, kept only as SHA-256 hashes; a token is exchanged for a session cookie at /login. */
  | { kind: 'tokens'; reviewers: { name: string; hash: Buffer }[] }
  /** A header set by an authenticating proxy in front of the console (only when explicitly enabled). */
  | { kind: 'header'; header: string };

export interface ConsoleConfig {
  host: string;
  /** 0 picks a free port. */
  port: number;
  auth: ConsoleAuth;
  /** How people reach the console (https makes the session cookie Secure); default the listening URL. */
  publicUrl?: string;
  /** Links to runs in the Temporal Web UI, when set. */
  temporalUiUrl?: string;
  /** Failed sign-ins allowed per client address and window before it is refused (429). */
  loginLimit: { max: number; windowMs: number };
  /** How often the live feed looks for changes while a page is open. */
  pollMs: number;
  /** The reviewers' groups, for tools with approver groups (none when absent). */
  groups?: ReviewerGroups;
  /** What seals the session cookies, so sessions survive a restart of the console; `generated` on first local use. */
  session: { secrets: SessionSecrets; generated: boolean };
}

const consoleEnv = envSchema({
  GEMINIFLOW_CONSOLE_HOST: z.string().min(1).default('127.0.0.1'),
  GEMINIFLOW_CONSOLE_PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  GEMINIFLOW_CONSOLE_TOKENS: z.string().optional(),
  GEMINIFLOW_CONSOLE_TRUSTED_USER_HEADER: z
    .string()
    .regex(/^[A-Za-z0-9-]+$/, 'must be a header name')
    .optional(),
  GEMINIFLOW_CONSOLE_URL: z.url({ protocol: /^https?$/ }).optional(),
  GEMINIFLOW_TEMPORAL_UI_URL: z.url({ protocol: /^https?$/ }).optional(),
  GEMINIFLOW_CONSOLE_LOGIN_LIMIT: z.coerce.number().int().min(1).default(10),
  GEMINIFLOW_CONSOLE_POLL_MS: z.coerce.number().int().min(200).max(60_000).default(1000),
  GEMINIFLOW_CONSOLE_GROUPS: z.string().optional(),
  GEMINIFLOW_CONSOLE_TRUSTED_GROUPS_HEADER: z
    .string()
    .regex(/^[A-Za-z0-9-]+$/, 'must be a header name')
    .optional(),
  GEMINIFLOW_CONSOLE_SESSION_SECRET: z.string().optional(),
  GEMINIFLOW_CONSOLE_SESSION_SECRET_FILE: z.string().optional(),
});

/**
 * GEMINIFLOW_CONSOLE_SESSION_SECRET when set (every replica of the console needs the same one); otherwise the secret
 * kept in GEMINIFLOW_CONSOLE_SESSION_SECRET_FILE (default: the user's state folder), made there on first use.
 */
function sessionSecrets(c: z.output<typeof consoleEnv>, env: NodeJS.ProcessEnv): ConsoleConfig['session'] {
  if (c.GEMINIFLOW_CONSOLE_SESSION_SECRET) {
    const name = 'GEMINIFLOW_CONSOLE_SESSION_SECRET';
    return {
      secrets: new SessionSecrets(parseSecrets(c.GEMINIFLOW_CONSOLE_SESSION_SECRET, name), name),
      generated: false,
    };
  }
  return sessionSecretsFromFile(c.GEMINIFLOW_CONSOLE_SESSION_SECRET_FILE ?? defaultSecretFile(env));
}

/** The session secret kept in `file`, made there on first use (as `geminiflow dev` keeps one in its project). */
export function sessionSecretsFromFile(file: string): ConsoleConfig['session'] {
  const { secrets, generated } = secretsFromFile(file, 'GEMINIFLOW_CONSOLE_SESSION_SECRET_FILE');
  return { secrets: new SessionSecrets(secrets, file), generated };
}

export const tokenHash = (token: string) => createHash('sha256').update(token, 'utf8').digest();

/** A new token to hand to a reviewer, and the entry that goes into GEMINIFLOW_CONSOLE_TOKENS (its hash only). */
export function newReviewerToken(name: string): { token: string; entry: string } {
  const token = `gfc_${randomBytes(24).toString('base64url')}`;
  return { token, entry: `${name}=sha256:${tokenHash(token).toString('hex')}` };
}

/**
 * `name=token` or `name=sha256:<hex>` entries, comma or space separated. Plain tokens are hashed at once, so only
 * hashes stay in memory; the hashed form keeps the token itself out of the environment too. Errors name the entry by
 * position and the reviewer, never a token.
 */
export function parseReviewerTokens(value: string): { name: string; hash: Buffer }[] {
  const entries = value.split(/[\s,]+/).filter(Boolean);
  if (entries.length === 0) throw new Error('no entries: expected "reviewer=token[, reviewer=token...]"');
  const reviewers = entries.map((entry, i) => {
    const eq = entry.indexOf('=');
    const name = eq < 0 ? '' : entry.slice(0, eq);
    const secret = eq < 0 ? '' : entry.slice(eq + 1);
    if (!/^[A-Za-z0-9_.@-]{1,64}$/.test(name))
      throw new Error(`entry #${i + 1}: expected "reviewer=token" with a reviewer name of letters, digits, _ . @ -`);
    const hashed = /^sha256:([0-9a-f]{64})$/i.exec(secret);
    if (hashed) return { name, hash: Buffer.from(hashed[1]!, 'hex') };
    if (secret.length < 16) throw new Error(`the token of ${name} must be at least 16 characters (or sha256:<hex>)`);
    return { name, hash: tokenHash(secret) };
  });
  const names = new Set<string>();
  for (const { name } of reviewers) {
    if (names.has(name)) throw new Error(`reviewer ${name} is listed twice`);
    names.add(name);
  }
  return reviewers;
}

/** The reviewer a token belongs to; every entry is compared, in constant time. */
export function reviewerOfToken(auth: Extract<ConsoleAuth, { kind: 'tokens' }>, token: string): string | undefined {
  const given = tokenHash(token);
  let found: string | undefined;
  for (const r of auth.reviewers) if (timingSafeEqual(given, r.hash)) found ??= r.name;
  return found;
}

const noAuth =
  'the console will not start without an authentication setting: set GEMINIFLOW_CONSOLE_TOKENS ' +
  '(reviewer=token entries; `geminiflow console token <reviewer>` makes one), or GEMINIFLOW_CONSOLE_TRUSTED_USER_HEADER ' +
  '(the header your authenticating proxy sets, e.g. X-Forwarded-User) when only that proxy can reach the console';

/** The console's settings from the environment, checked once; a missing authentication setting refuses the start. */
export function consoleConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ConsoleConfig {
  const c = parseEnv(consoleEnv, env, 'console settings');
  if (c.GEMINIFLOW_CONSOLE_TOKENS && c.GEMINIFLOW_CONSOLE_TRUSTED_USER_HEADER) {
    throw new SetupError('set GEMINIFLOW_CONSOLE_TOKENS or GEMINIFLOW_CONSOLE_TRUSTED_USER_HEADER, not both');
  }
  let auth: ConsoleAuth;
  if (c.GEMINIFLOW_CONSOLE_TOKENS) {
    try {
      auth = { kind: 'tokens', reviewers: parseReviewerTokens(c.GEMINIFLOW_CONSOLE_TOKENS) };
    } catch (err) {
      throw new SetupError(`invalid GEMINIFLOW_CONSOLE_TOKENS: ${(err as Error).message}`);
    }
  } else if (c.GEMINIFLOW_CONSOLE_TRUSTED_USER_HEADER) {
    auth = { kind: 'header', header: c.GEMINIFLOW_CONSOLE_TRUSTED_USER_HEADER.toLowerCase() };
  } else {
    throw new SetupError(noAuth);
  }
  if (c.GEMINIFLOW_CONSOLE_TRUSTED_GROUPS_HEADER && auth.kind !== 'header') {
    throw new SetupError(
      'GEMINIFLOW_CONSOLE_TRUSTED_GROUPS_HEADER needs GEMINIFLOW_CONSOLE_TRUSTED_USER_HEADER: only a trusted proxy sets it',
    );
  }
  let members: Record<string, string[]> = {};
  try {
    members = c.GEMINIFLOW_CONSOLE_GROUPS ? parseReviewerGroups(c.GEMINIFLOW_CONSOLE_GROUPS) : {};
  } catch (err) {
    throw new SetupError(`invalid GEMINIFLOW_CONSOLE_GROUPS: ${(err as Error).message}`);
  }
  const groupsHeader = c.GEMINIFLOW_CONSOLE_TRUSTED_GROUPS_HEADER?.toLowerCase();
  return {
    host: c.GEMINIFLOW_CONSOLE_HOST,
    port: c.GEMINIFLOW_CONSOLE_PORT,
    auth,
    publicUrl: c.GEMINIFLOW_CONSOLE_URL,
    temporalUiUrl: c.GEMINIFLOW_TEMPORAL_UI_URL,
    loginLimit: { max: c.GEMINIFLOW_CONSOLE_LOGIN_LIMIT, windowMs: 15 * 60_000 },
    pollMs: c.GEMINIFLOW_CONSOLE_POLL_MS,
    groups: { members, ...(groupsHeader ? { header: groupsHeader } : {}) },
    session: sessionSecrets(c, env),
  };
}
