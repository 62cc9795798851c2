import type { JwksKeys } from './jwks';

/** What a signature covers: Standard Webhooks' headers and the raw body (nothing here is trusted yet). */
export interface SignedDelivery {
  webhookId?: string;
  /** Unix seconds. */
  timestamp?: number;
  body: Buffer;
  /** The key the sender says it signed with (`webhook-key-id`), if it names one. */
  keyId?: string;
}

/** The keys and rules every scheme verifies against, resolved once when the verifier is built. */
export interface ResolvedKeys {
  secrets: readonly string[];
  keySet?: JwksKeys;
  /** Accepted JWT `iss` values. */
  issuers: readonly string[];
  /** Required JWT `aud`; false when the check was explicitly disabled; undefined when unknown (JWTs are refused). */
  audience: string | false | undefined;
  toleranceSec: number;
  now: () => number;
}

export type SchemeVerdict =
  | {
      ok: true;
      /** Which key matched: a secret index or a JWKS kid; never key material. */
      key: string;
      /** The id the signature itself binds (a JWT's jti), which then replaces the unsigned header. */
      webhookId?: string;
      /**
       * An identity of the signed token itself (a hash of a JWT without jti): it counts as seen beside the delivery's
       * id, so the same token replayed under a fresh webhook-id is a duplicate.
       */
      tokenId?: string;
      /** The signed event, when the signature carries it rather than signing the body. */
      signedEnvelope?: unknown;
    }
  | { ok: false; reason: string };

export interface SchemeVerifier {
  /** Throws KeySetUnavailableError when the keys cannot be fetched (the answer is then 503, not 401). */
  verify(entries: readonly string[], delivery: SignedDelivery): Promise<SchemeVerdict>;
}

/**
 * One signing scheme of `webhook-signature`. A new scheme is one file implementing this plus its line in
 * `schemes.ts`.
 */
export interface SignatureScheme {
  readonly name: string;
  /**
   * Who a valid signature proves sent the delivery: this deployment (a secret only we hold), or Google on behalf of
   * any Gemini customer (keys every customer shares), in which case routing by user_metadata needs a routing token.
   */
  readonly proves: 'deployment' | 'google';
  /** Whether webhook-id and webhook-timestamp are part of the signed content, so both headers are required. */
  readonly signsHeaders: boolean;
  /** 'ok' when the entry is this scheme's, 'malformed' when it is but cannot be read, undefined otherwise. */
  classify(entry: string): 'ok' | 'malformed' | undefined;
  /** A verifier for these keys, or the reason this scheme cannot verify anything with them. Throws on bad keys. */
  verifier(keys: ResolvedKeys): SchemeVerifier | string;
}

const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes strict base64 of an expected byte length; Buffer.from alone would accept garbage. */
export function strictBase64(text: string, bytes: number): Buffer | undefined {
  if (!base64.test(text)) return undefined;
  const decoded = Buffer.from(text, 'base64');
  return decoded.length === bytes ? decoded : undefined;
}

/** Classifies a `<version>,<base64>` entry of a fixed signature length. */
export function classifyVersioned(entry: string, version: string, bytes: number): 'ok' | 'malformed' | undefined {
  if (!entry.startsWith(`${version},`)) return undefined;
  return strictBase64(entry.slice(version.length + 1), bytes) ? 'ok' : 'malformed';
}
