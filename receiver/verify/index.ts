import { type WebhookHeaders, webhookIdIsWellFormed } from './headers';
import { HmacVerifier } from './hmac';
import { verifyV1a } from './ed25519';
import { JwksKeys, KeySetUnavailableError } from './jwks';
import { type JwtOptions, verifyJwt } from './jwt';

export type Scheme = 'v1' | 'v1a' | 'jwt';

export interface VerifierOptions {
  secrets: readonly string[];
  /** Without it, only `v1` deliveries can verify. */
  jwksUrl?: string;
  audience?: string;
  /** Standard Webhooks' replay window. */
  toleranceSec?: number;
  jwksCooldownMs?: number;
  /** The clock timestamps and token expiry are judged by; default Date.now. */
  now?: () => number;
}

export type Verified = {
  ok: true;
  scheme: Scheme;
  /** Which key matched: a secret index (`secret#1`) or a JWKS kid; never key material. */
  key: string;
  webhookId: string;
  /** Where the envelope comes from: the raw body, or a signed claim of the JWT. */
  envelope: { source: 'body' } | { source: 'claim'; value: unknown };
};

export type Refused = { ok: false; status: 400 | 401 | 503; reason: string };

/**
 * Accepts a delivery when any entry of `webhook-signature` verifies, trying the cheap schemes first. Only the
 * timestamp window and the signature are judged here; the body is not parsed.
 */
export class DeliveryVerifier {
  private readonly hmac: HmacVerifier;
  private readonly keys?: JwksKeys;
  private readonly jwt: JwtOptions;
  private readonly toleranceSec: number;
  private readonly now: () => number;

  constructor(opts: VerifierOptions) {
    this.hmac = new HmacVerifier(opts.secrets);
    this.keys = opts.jwksUrl ? new JwksKeys(opts.jwksUrl, { cooldownMs: opts.jwksCooldownMs }) : undefined;
    this.now = opts.now ?? Date.now;
    this.jwt = { audience: opts.audience, now: this.now };
    this.toleranceSec = opts.toleranceSec ?? 300;
  }

  private stale(timestamp: number): string | undefined {
    const skew = Math.floor(this.now() / 1000) - timestamp;
    if (skew > this.toleranceSec) return 'timestamp too old';
    if (skew < -this.toleranceSec) return 'timestamp too new';
    return undefined;
  }

  async verify(headers: WebhookHeaders, body: Buffer): Promise<Verified | Refused> {
    const { webhookId, timestamp, signature } = headers;
    if (timestamp !== undefined) {
      const stale = this.stale(timestamp);
      if (stale) return { ok: false, status: 401, reason: stale };
    }
    const of = <S extends Scheme>(s: S) =>
      signature.entries.filter((e): e is Extract<typeof e, { scheme: S }> => e.scheme === s);

    const v1 = of('v1');
    if (v1.length && webhookId !== undefined && timestamp !== undefined) {
      const index = this.hmac.verify(
        webhookId,
        timestamp,
        body,
        v1.map((e) => e.signature),
      );
      if (index !== undefined)
        return { ok: true, scheme: 'v1', key: `secret#${index + 1}`, webhookId, envelope: { source: 'body' } };
    }

    let keysDown: string | undefined;
    const v1a = of('v1a');
    if (v1a.length && this.keys && webhookId !== undefined && timestamp !== undefined) {
      try {
        const kid = await verifyV1a(
          this.keys,
          webhookId,
          timestamp,
          body,
          v1a.map((e) => e.signature),
        );
        if (kid) return { ok: true, scheme: 'v1a', key: kid, webhookId, envelope: { source: 'body' } };
      } catch (err) {
        if (!(err instanceof KeySetUnavailableError)) throw err;
        keysDown = err.message;
      }
    }

    let jwtReason: string | undefined;
    for (const { token } of of('jwt')) {
      if (!this.keys) break;
      try {
        const result = await verifyJwt(this.keys, token, body, this.jwt);
        if (!result.ok) {
          jwtReason = result.reason;
          continue;
        }
        if (result.iat !== undefined && timestamp === undefined) {
          const stale = this.stale(result.iat);
          if (stale) return { ok: false, status: 401, reason: `jwt ${stale}` };
        }
        // webhook-id is stable across retries; a jti may be minted per attempt, so it is only the fallback.
        const id = webhookId ?? (result.jti && webhookIdIsWellFormed(result.jti) ? result.jti : undefined);
        if (id === undefined) return { ok: false, status: 400, reason: 'missing webhook-id header' };
        if (timestamp === undefined && result.iat === undefined) {
          return { ok: false, status: 400, reason: 'missing webhook-timestamp header' };
        }
        return { ok: true, scheme: 'jwt', key: result.kid ?? 'jwks', webhookId: id, envelope: result.envelope };
      } catch (err) {
        if (!(err instanceof KeySetUnavailableError)) throw err;
        keysDown = err.message;
      }
    }

    if (keysDown) return { ok: false, status: 503, reason: `cannot verify now: ${keysDown}` };
    if (!this.keys && (v1a.length || of('jwt').length) && !v1.length) {
      return { ok: false, status: 401, reason: 'asymmetric signature but no JWKS configured' };
    }
    return { ok: false, status: 401, reason: jwtReason ?? 'no signature entry verified' };
  }
}
