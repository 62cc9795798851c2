import { createHmac, timingSafeEqual } from 'node:crypto';
import type { GeminiResourceKind } from '../contract';

/**
 * Routing tokens: proof that a job naming a workflow in its `user_metadata` was created by this deployment. Gemini's
 * per-request signing keys are shared by every Gemini customer, so a valid `v1a`/JWT signature only proves that Google
 * sent a delivery; the token, an HMAC only this deployment can compute, proves that the job is ours.
 */
export interface RoutingKey {
  id: string;
  secret: Buffer;
}

/** The key inside `user_metadata` that carries the token. */
export const routingTokenField = 'geminiflow_token';

const tokenVersion = 'v1';
const keyIdPattern = /^[A-Za-z0-9_-]{1,32}$/;
const minSecretBytes = 16;
const macBytes = 32;

/**
 * `"id:base64secret"` entries, comma/whitespace separated; the first is current (it mints), the rest are accepted
 * during a rotation's grace period. Errors name the entry by position and never echo a secret.
 */
export function parseRoutingKeys(value: string): RoutingKey[] {
  const entries = value.split(/[\s,]+/).filter(Boolean);
  if (entries.length === 0) throw new Error('no routing keys: expected "id:base64secret[, id:base64secret...]"');
  const keys = entries.map((entry, i) => {
    const colon = entry.indexOf(':');
    const id = colon < 0 ? '' : entry.slice(0, colon);
    const text = colon < 0 ? '' : entry.slice(colon + 1);
    if (!keyIdPattern.test(id)) {
      throw new Error(`routing key #${i + 1}: expected "id:base64secret" with an id of 1-32 letters, digits, _ or -`);
    }
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) throw new Error(`routing key "${id}": the secret is not base64`);
    const secret = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
    if (secret.length < minSecretBytes) {
      throw new Error(`routing key "${id}": the secret must decode to at least ${minSecretBytes} bytes`);
    }
    return { id, secret };
  });
  const ids = new Set<string>();
  for (const { id } of keys) {
    if (ids.has(id)) throw new Error(`routing key "${id}" is listed twice`);
    ids.add(id);
  }
  return keys;
}

// Purpose and workflow id are joined with a separator neither can hold ambiguously (the purpose is a fixed word).
function mac(key: RoutingKey, workflowId: string, purpose: GeminiResourceKind): Buffer {
  return createHmac('sha256', key.secret)
    .update(`geminiflow-routing.${tokenVersion}\n${purpose}\n${workflowId}`)
    .digest();
}

/**
 * A short one-way digest of a key, shown by the receiver's status and `geminiflow doctor` so two processes can be
 * compared without either revealing its secret.
 */
export function routingKeyFingerprint(key: RoutingKey): string {
  return createHmac('sha256', key.secret).update('geminiflow-routing-key-fingerprint').digest('base64url').slice(0, 16);
}

/** `v1.<keyId>.<base64url HMAC-SHA256>` over the workflow id and the job's kind. */
export function mintRoutingToken(key: RoutingKey, workflowId: string, purpose: GeminiResourceKind): string {
  return `${tokenVersion}.${key.id}.${mac(key, workflowId, purpose).toString('base64url')}`;
}

export function verifyRoutingToken(
  keys: RoutingKey[],
  workflowId: string,
  purpose: GeminiResourceKind,
  token: unknown,
): { ok: true; keyId: string } | { ok: false; reason: string } {
  if (token === undefined) return { ok: false, reason: 'no routing token' };
  if (typeof token !== 'string' || token.length > 100) return { ok: false, reason: 'malformed routing token' };
  const [version, keyId, sent, ...rest] = token.split('.');
  if (version !== tokenVersion || rest.length > 0 || !keyId || !sent || !/^[A-Za-z0-9_-]+$/.test(sent)) {
    return { ok: false, reason: 'malformed routing token' };
  }
  const key = keys.find((k) => k.id === keyId);
  if (!key) return { ok: false, reason: 'routing token of an unknown key' };
  const given = Buffer.from(sent, 'base64url');
  const expected = mac(key, workflowId, purpose);
  if (given.length !== macBytes || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'routing token does not match the workflow' };
  }
  return { ok: true, keyId };
}

/** What GEMINIFLOW_ROUTING_KEYS says to run without routing keys, explicitly. */
export const noRoutingKeys = 'none';

/** Why a worker or receiver does not start without routing keys, and what running without them costs. */
export const routingKeysRequired =
  'GEMINIFLOW_ROUTING_KEYS is not set. Give the worker and the receiver the same keys ("id:base64secret", a secret ' +
  'of 32 random bytes, e.g. from `openssl rand -base64 32`), or set GEMINIFLOW_ROUTING_KEYS=none to run without: ' +
  'jobs then carry no routing token, and every per-request delivery is routed by a visibility query for its ' +
  'resource id, whose cost grows with the number of runs (measured: 1.8x the latency of a routed delivery with ' +
  '1,000 runs waiting, and deliveries refused in bursts).';

/** GEMINIFLOW_ROUTING_KEYS as the worker and the receiver read it: keys, or `none` said explicitly; unset throws. */
export function routingKeysFromVariable(value: string | undefined): RoutingKey[] {
  if (value === undefined || value.trim() === '') throw new Error(routingKeysRequired);
  if (value.trim().toLowerCase() === noRoutingKeys) return [];
  return parseRoutingKeys(value);
}
