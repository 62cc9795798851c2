/** Limits of a copy kept for a person to read: enough to recognise the event, never enough to fill storage. */
const limits = { depth: 6, keys: 50, items: 50, stringChars: 2000 };

const loneSurrogate = /\p{Cs}/gu;

/** A string Temporal can carry (valid UTF-8: lone surrogates replaced) of bounded length. */
export function wellFormed(text: string, maxChars = limits.stringChars): string {
  const cut = text.length > maxChars ? `${text.slice(0, maxChars)}…` : text;
  return cut.replace(loneSurrogate, '\uFFFD');
}

/**
 * A bounded, sanitised copy of a verified value: depth, keys, items and strings cut, lone surrogates replaced, so it
 * can always be stored as a dead letter however hostile the original was.
 */
export function boundedCopy(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return wellFormed(value);
  if (value === null || typeof value !== 'object') return typeof value === 'function' ? undefined : value;
  if (depth >= limits.depth) return '[cut: too deep]';
  if (Array.isArray(value)) return value.slice(0, limits.items).map((v) => boundedCopy(v, depth + 1));
  const entries = Object.entries(value).slice(0, limits.keys);
  return Object.fromEntries(entries.map(([k, v]) => [wellFormed(k, 200), boundedCopy(v, depth + 1)]));
}

// Routing tokens (`v1.<keyId>.<mac>`) are capabilities: an excerpt keeps the shape of a body, not its tokens.
const routingToken = /v1\.[A-Za-z0-9_-]{1,32}\.[A-Za-z0-9_-]{43}/g;

/** The first bytes of a body that cannot be parsed, as text, for a dead letter. */
export function bodyExcerpt(body: Buffer, maxBytes = 2048): string {
  return wellFormed(body.subarray(0, maxBytes).toString('utf8').replace(routingToken, '[routing token]'));
}
