/**
 * Splits a `webhook-signature` header into entries and detects each entry's scheme, so one delivery may carry
 * several schemes (or several secrets) and any one of them can verify it.
 */
export type SignatureEntry =
  | { scheme: 'v1'; /** base64 HMAC-SHA256, exactly as sent */ signature: string }
  | { scheme: 'v1a'; /** raw Ed25519 signature bytes */ signature: Buffer }
  | { scheme: 'jwt'; token: string };

export interface ParsedSignatureHeader {
  entries: SignatureEntry[];
  /** Entries of a known scheme that are malformed (bad base64, wrong length). */
  malformed: number;
  /** Entries of a version this receiver does not know; ignored as Standard Webhooks says. */
  unknown: number;
}

const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const compactJwt = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Decodes strict base64 of an expected byte length; Buffer.from alone would accept garbage. */
function strictBase64(text: string, bytes: number): Buffer | undefined {
  if (!base64.test(text)) return undefined;
  const decoded = Buffer.from(text, 'base64');
  return decoded.length === bytes ? decoded : undefined;
}

export function parseSignatureHeader(header: string): ParsedSignatureHeader {
  const result: ParsedSignatureHeader = { entries: [], malformed: 0, unknown: 0 };
  for (const part of header.trim().split(/ +/)) {
    if (part === '') continue;
    const comma = part.indexOf(',');
    if (comma < 0) {
      if (compactJwt.test(part)) result.entries.push({ scheme: 'jwt', token: part });
      else result.malformed++;
      continue;
    }
    const version = part.slice(0, comma);
    const value = part.slice(comma + 1);
    if (version === 'v1') {
      if (strictBase64(value, 32)) result.entries.push({ scheme: 'v1', signature: value });
      else result.malformed++;
    } else if (version === 'v1a') {
      const signature = strictBase64(value, 64);
      if (signature) result.entries.push({ scheme: 'v1a', signature });
      else result.malformed++;
    } else {
      result.unknown++;
    }
  }
  return result;
}
