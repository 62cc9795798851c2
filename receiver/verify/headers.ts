import { type ParsedSignatureHeader, parseSignatureHeader } from './signature-header';

/** The Standard Webhooks headers of one delivery, checked for shape only (nothing here is trusted yet). */
export interface WebhookHeaders {
  webhookId?: string;
  /** Unix seconds. */
  timestamp?: number;
  signature: ParsedSignatureHeader;
}

export type HeaderResult = { ok: true; headers: WebhookHeaders } | { ok: false; reason: string };

// Ids end up in workflow ids and logs, so only a conservative character set is let through.
const webhookIdPattern = /^[A-Za-z0-9_.:@+=-]{1,200}$/;
const timestampPattern = /^\d{1,12}$/;

function single(headers: NodeJS.Dict<string[]>, name: string): { value?: string; duplicated: boolean } {
  const values = headers[name];
  if (!values || values.length === 0) return { duplicated: false };
  return { value: values[0], duplicated: values.length > 1 };
}

/**
 * Reads the three headers from Node's `headersDistinct`, where a repeated header stays visible as several values
 * (plain `headers` would silently join them with a comma).
 */
export function parseWebhookHeaders(distinct: NodeJS.Dict<string[]>): HeaderResult {
  const id = single(distinct, 'webhook-id');
  const ts = single(distinct, 'webhook-timestamp');
  const sig = single(distinct, 'webhook-signature');
  for (const [name, h] of [
    ['webhook-id', id],
    ['webhook-timestamp', ts],
    ['webhook-signature', sig],
  ] as const) {
    if (h.duplicated) return { ok: false, reason: `duplicated ${name} header` };
  }
  if (!sig.value?.trim()) return { ok: false, reason: 'missing webhook-signature header' };
  const signature = parseSignatureHeader(sig.value);
  if (signature.entries.length === 0) {
    return {
      ok: false,
      reason: signature.malformed > 0 ? 'malformed webhook-signature entries' : 'no supported webhook-signature entry',
    };
  }
  // A bare JWT can carry its own id and time (jti, iat); the v1 and v1a schemes sign these headers, so need them.
  const jwtOnly = signature.entries.every((e) => e.scheme === 'jwt');
  if (id.value === undefined) {
    if (!jwtOnly) return { ok: false, reason: 'missing webhook-id header' };
  } else if (!webhookIdPattern.test(id.value)) {
    return { ok: false, reason: 'malformed webhook-id header' };
  }
  if (ts.value === undefined) {
    if (!jwtOnly) return { ok: false, reason: 'missing webhook-timestamp header' };
  } else if (!timestampPattern.test(ts.value)) {
    return { ok: false, reason: 'malformed webhook-timestamp header' };
  }
  return {
    ok: true,
    headers: {
      webhookId: id.value,
      timestamp: ts.value === undefined ? undefined : Number(ts.value),
      signature,
    },
  };
}

export const webhookIdIsWellFormed = (id: string) => webhookIdPattern.test(id);
