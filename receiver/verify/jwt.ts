import { createHash, timingSafeEqual } from 'node:crypto';
import { errors, type JWTPayload, jwtVerify } from 'jose';
import { webhookIdIsWellFormed } from './headers';
import { KeySetUnavailableError } from './jwks';
import type { ResolvedKeys, SchemeVerdict, SignatureScheme } from './scheme';

const compactJwt = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
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

/** The identity of a token without jti: a hash of the whole token, in the characters a webhook-id may hold. */
export function tokenIdOf(token: string): string {
  return `jwt_${createHash('sha256').update(token).digest('base64url')}`;
}

/** A short reason for the sender: what was wrong, not which library said so. */
function refusalOf(err: errors.JOSEError): string {
  if (err instanceof errors.JWTExpired) return 'jwt expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `jwt ${err.claim} claim rejected`;
  if (err instanceof errors.JOSEAlgNotAllowed) return 'jwt algorithm not allowed';
  if (err instanceof errors.JWKSNoMatchingKey) return 'jwt key is not in the key set';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'jwt signature does not verify';
  return 'jwt is not valid';
}

async function verifyToken(keys: ResolvedKeys, token: string, body: Buffer): Promise<SchemeVerdict> {
  const { keySet, audience, issuers, toleranceSec } = keys;
  if (!keySet) return { ok: false, reason: 'asymmetric signature but no JWKS configured' };
  if (audience === undefined) return { ok: false, reason: 'jwt audience is not configured' };
  let payload: JWTPayload;
  let kid: string | undefined;
  const now = keys.now();
  try {
    ({
      payload,
      protectedHeader: { kid },
    } = await jwtVerify(token, keySet.getKey, {
      algorithms: ['RS256'],
      audience: audience === false ? undefined : audience,
      issuer: [...issuers],
      requiredClaims: ['exp', 'iat', 'iss'],
      clockTolerance: 30,
      currentDate: new Date(now),
    }));
  } catch (err) {
    if (err instanceof errors.JOSEError && !(err instanceof errors.JWKSTimeout)) {
      // Fetch failures inside jose surface as a plain JOSEError with this text; they are not the token's fault.
      if (err.code === 'ERR_JWKS_INVALID' || /JSON Web Key Set HTTP response/.test(err.message))
        throw new KeySetUnavailableError(err.message);
      return { ok: false, reason: refusalOf(err) };
    }
    throw new KeySetUnavailableError(`JWKS could not be fetched: ${(err as Error).message}`);
  }
  // The signed iat, not the unsigned header, decides how old the delivery is: Standard Webhooks' window, both ways.
  const age = now / 1000 - (payload.iat as number);
  if (age > toleranceSec) return { ok: false, reason: 'jwt issued too long ago' };
  if (age < -toleranceSec) return { ok: false, reason: 'jwt issued in the future' };
  if (payload.jti !== undefined && (typeof payload.jti !== 'string' || !webhookIdIsWellFormed(payload.jti))) {
    return { ok: false, reason: 'jwt jti claim rejected' };
  }

  const hashClaim = hashClaims.map((c) => payload[c]).find((v) => v !== undefined);
  if (hashClaim !== undefined && (typeof hashClaim !== 'string' || !bodyHashMatches(hashClaim, body))) {
    return { ok: false, reason: 'jwt body hash does not match the body' };
  }
  const event = signedEvent(payload);
  if (event === undefined && hashClaim === undefined) {
    return { ok: false, reason: 'jwt binds neither the body nor the event' };
  }
  // Deduplication keys on the signed jti, or without one (Google documents no claims) on the token itself: either way
  // a captured token replayed under a fresh webhook-id header is the same delivery.
  if (payload.jti !== undefined) return { ok: true, key: kid ?? 'jwks', webhookId: payload.jti, signedEnvelope: event };
  return { ok: true, key: kid ?? 'jwks', tokenId: tokenIdOf(token), signedEnvelope: event };
}

/**
 * A bare compact JWT in `webhook-signature` (Gemini's documented scheme for per-request webhooks, kept as a
 * fallback): RS256 only; `exp`, `iat` and `iss` required (`jti` used when present: Google documents no claims);
 * `iss` among the configured issuers; `aud` the receiver's URL unless that check is disabled. The raw body is unsigned
 * unless the token binds it, so a token that binds neither the body (hash claim) nor the event (event claim) is
 * refused.
 */
export const jwtScheme: SignatureScheme = {
  name: 'jwt',
  proves: 'google',
  signsHeaders: false,
  classify: (entry) => (entry.includes(',') ? undefined : compactJwt.test(entry) ? 'ok' : 'malformed'),
  verifier(keys) {
    if (!keys.keySet) return 'asymmetric signature but no JWKS configured';
    return {
      async verify(entries, { body }) {
        let last: SchemeVerdict = { ok: false, reason: 'no signature entry verified' };
        for (const token of entries) {
          last = await verifyToken(keys, token, body);
          if (last.ok) return last;
        }
        return last;
      },
    };
  },
};
