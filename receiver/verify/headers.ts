/** The Standard Webhooks headers of one delivery, checked for shape and size only (nothing here is trusted yet). */
export interface WebhookHeaders {
  webhookId?: string;
  /** Unix seconds. */
  timestamp?: number;
  /** The raw `webhook-signature` value. */
  signature?: string;
}

/** Headers as Node gives them (`headersDistinct` or `headers`), as a plain object, or a fetch `Headers`. */
export type HeaderInput = Headers | Record<string, string | readonly string[] | undefined>;

export type HeaderResult = { ok: true; headers: WebhookHeaders } | { ok: false; reason: string };

// Ids end up in workflow ids and logs, so only a conservative character set is let through.
const webhookIdPattern = /^[A-Za-z0-9_.:@+=-]{1,200}$/;
const timestampPattern = /^\d{1,12}$/;
const names = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

export const webhookIdIsWellFormed = (id: string) => webhookIdPattern.test(id);

/** Every value of each webhook header, by lowercase name; a repeated header stays visible as several values. */
function valuesOf(input: HeaderInput): Record<(typeof names)[number], string[]> {
  const found = { 'webhook-id': [], 'webhook-timestamp': [], 'webhook-signature': [] } as Record<
    (typeof names)[number],
    string[]
  >;
  if (typeof Headers !== 'undefined' && input instanceof Headers) {
    for (const name of names) {
      const value = input.get(name);
      if (value !== null) found[name].push(value);
    }
    return found;
  }
  for (const [key, value] of Object.entries(input as Record<string, string | readonly string[] | undefined>)) {
    const name = key.toLowerCase() as (typeof names)[number];
    if (!(name in found) || value === undefined) continue;
    found[name].push(...(typeof value === 'string' ? [value] : value));
  }
  return found;
}

/** Reads the three headers, refusing duplicates (a joined value would be ambiguous) and malformed ids or times. */
export function readWebhookHeaders(input: HeaderInput): HeaderResult {
  const values = valuesOf(input);
  for (const name of names) {
    if (values[name].length > 1) return { ok: false, reason: `duplicated ${name} header` };
  }
  const [id] = values['webhook-id'];
  const [ts] = values['webhook-timestamp'];
  const [signature] = values['webhook-signature'];
  if (id !== undefined && !webhookIdPattern.test(id)) return { ok: false, reason: 'malformed webhook-id header' };
  if (ts !== undefined && !timestampPattern.test(ts)) {
    return { ok: false, reason: 'malformed webhook-timestamp header' };
  }
  return {
    ok: true,
    headers: { webhookId: id, timestamp: ts === undefined ? undefined : Number(ts), signature: signature?.trim() },
  };
}
