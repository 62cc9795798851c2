import { createHash, timingSafeEqual } from 'node:crypto';
import { errors, jwtVerify, type JWTPayload } from 'jose';
import { KeySetUnavailableError, type JwksKeys } from './jwks';

export interface JwtOptions {
  /** Checked when set (Gemini's docs verify an audience; the emulator uses the delivery URL). */
  audience?: string;
  /** Seconds of allowed clock skew on exp/iat/nbf. */
  clockToleranceSec?: number;
  now?: () => number;
}

export type JwtResult =
  | {
      ok: true;
      kid?: string;
      /** The envelope to trust: the signed `event` claim when there is one, else the raw body (hash-checked). */
      envelope: { source: 'claim'; value: unknown } | { source: 'body' };
      jti?: string;
      iat?: number;
    }
  | { ok: false; reason: string };

const hashClaims = ['body_sha256', 'body_hash'] as const;

function bodyHashMatches(claimed: string, body: Buffer): boolean {
  const digest = createHash('sha256').update(body).digest();
  const decoded = /^[0-9a-fA-F]{64}$/.test(claimed) ? Buffer.from(claimed, 'hex') : Buffer.from(claimed, 'base64url');
  return decoded.length === digest.length && timingSafeEqual(decoded, digest);
}

/** The event the token signs, under an `event` claim (object or JSON text) or as top-level claims. */
function signedEvent(payload: JWTPayload): unknown {
  const claim = payload.event;
  if (typeof claim === 'string') {
    try {
      return JSON.parse(claim);
    } catch {
      return undefined;
    }
  }
  if (claim && typeof claim === 'object') return claim;
  if (typeof payload.type === 'string' && payload.data && typeof payload.data === 'object') return payload;
  return undefined;
}

/**
 * A bare compact JWT in `webhook-signature` (Gemini's documented scheme for per-request webhooks): RS256 only,
 * `exp` required, `aud` checked when configured. The raw body is unsigned unless the token binds it, so a token
 * that binds neither the body (hash claim) nor the event (event claim) is refused.
 */
export async function verifyJwt(keys: JwksKeys, token: string, body: Buffer, opts: JwtOptions): Promise<JwtResult> {
  let payload: JWTPayload;
  let kid: string | undefined;
  try {
    ({
      payload,
      protectedHeader: { kid },
    } = await jwtVerify(token, keys.remote, {
      algorithms: ['RS256'],
      audience: opts.audience,
      requiredClaims: ['exp'],
      clockTolerance: opts.clockToleranceSec ?? 30,
      currentDate: opts.now ? new Date(opts.now()) : undefined,
    }));
  } catch (err) {
    if (err instanceof errors.JOSEError && !(err instanceof errors.JWKSTimeout)) {
      // Fetch failures inside jose surface as a plain JOSEError with this text; they are not the token's fault.
      if (err.code === 'ERR_JWKS_INVALID' || /JSON Web Key Set HTTP response/.test(err.message))
        throw new KeySetUnavailableError(err.message);
      return { ok: false, reason: `jwt ${err.code}` };
    }
    throw new KeySetUnavailableError(`JWKS could not be fetched: ${(err as Error).message}`);
  }

  const hashClaim = hashClaims.map((c) => payload[c]).find((v) => v !== undefined);
  if (hashClaim !== undefined && (typeof hashClaim !== 'string' || !bodyHashMatches(hashClaim, body))) {
    return { ok: false, reason: 'jwt body hash does not match the body' };
  }
  const event = signedEvent(payload);
  if (event === undefined && hashClaim === undefined) {
    return { ok: false, reason: 'jwt binds neither the body nor the event' };
  }
  return {
    ok: true,
    kid,
    envelope: event !== undefined ? { source: 'claim', value: event } : { source: 'body' },
    jti: typeof payload.jti === 'string' ? payload.jti : undefined,
    iat: typeof payload.iat === 'number' ? payload.iat : undefined,
  };
}
