import { parseJsonBody } from '../../routing/envelope';
import { parseOptions, ReceiverOptionsError } from '../option-errors';
import type { HeaderInput } from './headers';
import { readWebhookHeaders } from './headers';
import { JwksKeys, KeySetUnavailableError } from './jwks';
import { type CheckedKeys, defaultIssuers, type WebhookKeys, webhookKeysSchema } from './keys';
import type { ResolvedKeys, SchemeVerifier, SignatureScheme } from './scheme';
import { signatureSchemes } from './schemes';
import { parseSignatureHeader, splitSignatureHeader } from './signature-header';

export type { HeaderInput } from './headers';
export type { WebhookKeys } from './keys';

/** Who a delivery is known to come from, and what the signature says about it. */
export interface VerifiedSender {
  /** The scheme that verified: `v1`, `v1a` or `jwt`. */
  scheme: string;
  /** Which key matched: a secret index (`secret#1`) or a JWKS kid; never key material. */
  key: string;
  /**
   * The id to deduplicate on, and the signal's request id: the signed jti of a JWT, else the webhook-id header (signed
   * by `v1` and `v1a`), else (a JWT without jti nor header) a hash of the token.
   */
  webhookId: string;
  /**
   * A second identity of the same delivery that counts as seen too: the webhook-id header beside a JWT's jti, or the
   * token's hash beside the header of a JWT without jti. A captured token replayed under a fresh webhook-id matches it.
   */
  alsoSeenAs?: string;
  /**
   * `deployment`: signed with our own registered-webhook secret. `google`: signed with keys every Gemini customer's
   * deliveries share, so `user_metadata` may have been chosen by anyone.
   */
  sender: 'deployment' | 'google';
}

export interface VerifiedWebhook extends VerifiedSender {
  ok: true;
  /** The verified envelope: the parsed body, or the event a JWT signs. */
  envelope: unknown;
}

export interface WebhookRefusal {
  ok: false;
  /** 400 malformed, 401 not authentic, 422 authentic but unreadable (too deep), 503 keys unavailable: retry. */
  status: 400 | 401 | 422 | 503;
  reason: string;
  /** Set when the signature verified but the body can never be read (status 422). */
  verified?: VerifiedSender;
}

/** A verified signature, with the event it signs when it signs the event rather than the body (a JWT claim). */
type SignatureOutcome = VerifiedSender & { signedEnvelope?: unknown };

/** Verifies Gemini webhook deliveries with one set of keys, holding the parsed secrets and the cached key set. */
export class WebhookVerifier {
  private readonly keys: ResolvedKeys;
  private readonly limits: Pick<CheckedKeys, 'maxSignatureEntries' | 'maxSignatureHeaderBytes' | 'maxJsonDepth'>;
  private readonly verifiers: Map<SignatureScheme, SchemeVerifier | string>;
  private readonly schemes: readonly SignatureScheme[];

  constructor(keys: WebhookKeys, schemes: readonly SignatureScheme[] = signatureSchemes) {
    const k = parseOptions(webhookKeysSchema, keys, 'webhook keys');
    const source = k.jwks ?? k.jwksUrl;
    this.keys = {
      secrets: k.secrets,
      keySet: source ? sharedKeySet(source, k.jwksCooldownMs) : undefined,
      issuers:
        k.issuer === undefined ? defaultIssuers(k.jwksUrl) : typeof k.issuer === 'string' ? [k.issuer] : k.issuer,
      audience: k.audience,
      toleranceSec: k.toleranceSec,
      now: k.now ?? Date.now,
    };
    this.limits = k;
    this.schemes = schemes;
    this.verifiers = new Map(
      schemes.map((scheme) => {
        try {
          return [scheme, scheme.verifier(this.keys)];
        } catch (err) {
          throw new ReceiverOptionsError(`invalid webhook keys: ${(err as Error).message}`);
        }
      }),
    );
  }

  /** Whether a scheme can verify anything with these keys (e.g. `jwt` needs a key set and an audience). */
  configured(scheme: string): boolean {
    return [...this.verifiers].some(([s, v]) => s.name === scheme && typeof v !== 'string');
  }

  /** Verifies the signature only: the body is not parsed. */
  async verifySignature(rawBody: Buffer, headers: HeaderInput): Promise<SignatureOutcome | WebhookRefusal> {
    const read = readWebhookHeaders(headers);
    if (!read.ok) return { ok: false, status: 400, reason: read.reason };
    const { webhookId, timestamp, signature, keyId } = read.headers;
    if (!signature) return { ok: false, status: 400, reason: 'missing webhook-signature header' };
    // Bounded before any cryptography: each entry may cost a signature check per key.
    const parts = splitSignatureHeader(signature);
    if (parts.length > this.limits.maxSignatureEntries) {
      return { ok: false, status: 400, reason: 'too many webhook-signature entries' };
    }
    if (signature.length > this.limits.maxSignatureHeaderBytes) {
      return { ok: false, status: 400, reason: 'webhook-signature header too large' };
    }
    const parsed = parseSignatureHeader(parts, this.schemes);
    if (parsed.entries.length === 0) {
      const reason =
        parsed.malformed > 0 ? 'malformed webhook-signature entries' : 'no supported webhook-signature entry';
      return { ok: false, status: 400, reason };
    }
    const needsHeaders = parsed.entries.some((e) => e.scheme.signsHeaders);
    if (needsHeaders && webhookId === undefined) return { ok: false, status: 400, reason: 'missing webhook-id header' };
    if (needsHeaders && timestamp === undefined) {
      return { ok: false, status: 400, reason: 'missing webhook-timestamp header' };
    }
    if (timestamp !== undefined) {
      const skew = Math.floor(this.keys.now() / 1000) - timestamp;
      if (skew > this.keys.toleranceSec) return { ok: false, status: 401, reason: 'timestamp too old' };
      if (skew < -this.keys.toleranceSec) return { ok: false, status: 401, reason: 'timestamp too new' };
    }

    let reason = 'no signature entry verified';
    let keysDown: string | undefined;
    for (const [scheme, verifier] of this.verifiers) {
      const entries = parsed.entries.filter((e) => e.scheme === scheme).map((e) => e.value);
      if (entries.length === 0) continue;
      if (typeof verifier === 'string') {
        reason = verifier;
        continue;
      }
      try {
        const verdict = await verifier.verify(entries, { webhookId, timestamp, body: rawBody, keyId });
        if (!verdict.ok) {
          reason = verdict.reason;
          continue;
        }
        const id = verdict.webhookId ?? webhookId ?? verdict.tokenId;
        if (id === undefined) return { ok: false, status: 400, reason: 'missing webhook-id header' };
        const other = verdict.webhookId !== undefined ? webhookId : verdict.tokenId;
        return {
          scheme: scheme.name,
          key: verdict.key,
          webhookId: id,
          ...(other !== undefined && other !== id ? { alsoSeenAs: other } : {}),
          sender: scheme.proves,
          signedEnvelope: verdict.signedEnvelope,
        };
      } catch (err) {
        if (!(err instanceof KeySetUnavailableError)) throw err;
        keysDown = 'the signing key set cannot be fetched';
      }
    }
    if (keysDown) return { ok: false, status: 503, reason: `cannot verify now: ${keysDown}` };
    return { ok: false, status: 401, reason };
  }

  /** Verifies the signature, then reads the envelope it vouches for (bounded in depth). */
  async verify(rawBody: Buffer, headers: HeaderInput): Promise<VerifiedWebhook | WebhookRefusal> {
    const sender = await this.verifySignature(rawBody, headers);
    if ('ok' in sender) return sender;
    const { signedEnvelope, ...verified } = sender;
    if (signedEnvelope !== undefined) return { ok: true, ...verified, envelope: signedEnvelope };
    const body = parseJsonBody(rawBody, this.limits.maxJsonDepth);
    if (body.ok) return { ok: true, ...verified, envelope: body.value };
    return body.tooDeep
      ? { ok: false, status: 422, reason: body.reason, verified }
      : { ok: false, status: 400, reason: body.reason };
  }
}

// Key sets are cached per URL, so verifiers made per call (verifyGeminiWebhook with fresh keys) share one fetch.
const keySets = new Map<string, JwksKeys>();
function sharedKeySet(source: string | object, cooldownMs?: number): JwksKeys {
  if (typeof source !== 'string') return new JwksKeys(source as ConstructorParameters<typeof JwksKeys>[0]);
  const key = `${cooldownMs ?? ''} ${source}`;
  let keySet = keySets.get(key);
  if (!keySet) keySets.set(key, (keySet = new JwksKeys(source, { cooldownMs })));
  return keySet;
}

const verifiers = new WeakMap<WebhookKeys, WebhookVerifier>();

/**
 * Verifies one Gemini webhook delivery, framework-free, for people who run their own HTTP server: pass the raw body
 * exactly as received and the request's headers. Resolves to the verified envelope or a refusal with the status to
 * answer; throws ReceiverOptionsError when `keys` itself is invalid. Deduplicate on `webhookId`.
 */
export async function verifyGeminiWebhook(
  rawBody: Buffer | Uint8Array | string,
  headers: HeaderInput,
  keys: WebhookKeys,
): Promise<VerifiedWebhook | WebhookRefusal> {
  let verifier = verifiers.get(keys);
  if (!verifier) verifiers.set(keys, (verifier = new WebhookVerifier(keys)));
  const body =
    typeof rawBody === 'string'
      ? Buffer.from(rawBody)
      : Buffer.from(rawBody.buffer, rawBody.byteOffset, rawBody.byteLength);
  return verifier.verify(body, headers);
}
