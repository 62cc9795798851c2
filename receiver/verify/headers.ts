/** The Standard Webhooks headers of one delivery, checked for shape and size only (nothing here is trusted yet). */
export interface WebhookHeaders {
  webhookId?: string;
  /** Unix seconds. */
  timestamp?: number;
  /** The raw `webhook-signature` value. */
  signature?: string;
  /**
   * `webhook-key-id`: which key of the JWKS signed a `v1a` entry, should a sender name it (no observed delivery does:
   * then every Ed25519 key is a candidate). Unsigned: it only decides which key is tried, never what is accepted.
   */
  keyId?: string;
}

/**
 * Headers as Node gives them (`headersDistinct`, `headers`, or the flat `rawHeaders` list, which costs nothing to
 * read), as a plain object, or a fetch `Headers`.
 */
export type HeaderInput = Headers | readonly string[] | Record<string, string | readonly string[] | undefined>;

export type HeaderResult = { ok: true; headers: WebhookHeaders } | { ok: false; reason: string };

// Ids end up in workflow ids and logs, so only a conservative character set is let through.
const webhookIdPattern = /^[A-Za-z0-9_.:@+=-]{1,200}$/;
const timestampPattern = /^\d{1,12}$/;
const keyIdPattern = /^[A-Za-z0-9_.:+=/-]{1,200}$/;
const names = ['webhook-id', 'webhook-timestamp', 'webhook-signature', 'webhook-key-id'] as const;
type Name = (typeof names)[number];

export const webhookIdIsWellFormed = (id: string) => webhookIdPattern.test(id);

/** Every value of each webhook header, by lowercase name; a repeated header stays visible as several values. */
function valuesOf(input: HeaderInput): Record<Name, string[]> {
  const found: Record<Name, string[]> = {
    'webhook-id': [],
    'webhook-timestamp': [],
    'webhook-signature': [],
    'webhook-key-id': [],
  };
  if (typeof Headers !== 'undefined' && input instanceof Headers) {
    for (const name of names) {
      const value = input.get(name);
      if (value !== null) found[name].push(value);
    }
    return found;
  }
  if (Array.isArray(input)) {
    // Node's rawHeaders: name, value, name, value... with names as sent.
    for (let i = 0; i + 1 < input.length; i += 2) {
      const key = input[i] as string;
      if (key.length < 10 || key.length > 17 || (key.charCodeAt(0) | 0x20) !== 0x77) continue; // not "w/Webhook-*"
      const name = key.toLowerCase() as Name;
      if (name in found) found[name].push(input[i + 1] as string);
    }
    return found;
  }
  for (const [key, value] of Object.entries(input as Record<string, string | readonly string[] | undefined>)) {
    const name = key.toLowerCase() as Name;
    if (!(name in found) || value === undefined) continue;
    found[name].push(...(typeof value === 'string' ? [value] : value));
  }
  return found;
}

/** Reads the headers, refusing duplicates (a joined value would be ambiguous) and malformed ids or times. */
export function readWebhookHeaders(input: HeaderInput): HeaderResult {
  const values = valuesOf(input);
  for (const name of names) {
    if (values[name].length > 1) return { ok: false, reason: `duplicated ${name} header` };
  }
  const [id] = values['webhook-id'];
  const [ts] = values['webhook-timestamp'];
  const [signature] = values['webhook-signature'];
  const [keyId] = values['webhook-key-id'];
  if (id !== undefined && !webhookIdPattern.test(id)) return { ok: false, reason: 'malformed webhook-id header' };
  if (ts !== undefined && !timestampPattern.test(ts)) {
    return { ok: false, reason: 'malformed webhook-timestamp header' };
  }
  if (keyId !== undefined && !keyIdPattern.test(keyId)) return { ok: false, reason: 'malformed webhook-key-id header' };
  return {
    ok: true,
    headers: {
      webhookId: id,
      timestamp: ts === undefined ? undefined : Number(ts),
      signature: signature?.trim(),
      keyId,
    },
  };
}
