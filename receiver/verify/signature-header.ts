import type { SignatureScheme } from './scheme';
import { signatureSchemes } from './schemes';

/**
 * Splits a `webhook-signature` header into entries and detects each entry's scheme, so one delivery may carry
 * several schemes (or several secrets) and any one of them can verify it.
 */
export interface SignatureEntry {
  scheme: SignatureScheme;
  /** The entry exactly as sent. */
  value: string;
}

export interface ParsedSignatureHeader {
  entries: SignatureEntry[];
  /** Entries of a known scheme that are malformed (bad base64, wrong length). */
  malformed: number;
  /** Entries of a version this receiver does not know; ignored as Standard Webhooks says. */
  unknown: number;
}

/** The entries, split on spaces; the caller bounds their number before anything is classified or verified. */
export function splitSignatureHeader(header: string): string[] {
  return header.split(' ').filter((part) => part !== '');
}

export function parseSignatureHeader(
  header: string | readonly string[],
  schemes: readonly SignatureScheme[] = signatureSchemes,
): ParsedSignatureHeader {
  const result: ParsedSignatureHeader = { entries: [], malformed: 0, unknown: 0 };
  for (const part of typeof header === 'string' ? splitSignatureHeader(header) : header) {
    let claimed = false;
    for (const scheme of schemes) {
      const verdict = scheme.classify(part);
      if (verdict === undefined) continue;
      claimed = true;
      if (verdict === 'ok') result.entries.push({ scheme, value: part });
      else result.malformed++;
      break;
    }
    if (!claimed) result.unknown++;
  }
  return result;
}
