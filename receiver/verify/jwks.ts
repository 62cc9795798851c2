import { createPublicKey, type KeyObject } from 'node:crypto';
import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';

/** Raised when the key set cannot be fetched: the delivery may be genuine, so the answer is 503, not 401. */
export class KeySetUnavailableError extends Error {
  override name = 'KeySetUnavailableError';
}

export interface Ed25519Key {
  kid?: string;
  key: KeyObject;
}

/**
 * One key set for both asymmetric schemes: jose's key set serves the RS256 JWTs, and the same document gives the OKP
 * keys the hand-written Ed25519 `v1a` check needs. A remote set is cached with jose's cache age and reload cooldown;
 * a local one (passed as a document) never changes.
 */
export class JwksKeys {
  readonly getKey: JWTVerifyGetKey;
  private readonly remote?: ReturnType<typeof createRemoteJWKSet>;
  private readonly local?: JSONWebKeySet;
  private ed25519Cache?: { source: JSONWebKeySet; keys: Ed25519Key[] };

  constructor(source: string | JSONWebKeySet, opts: { cooldownMs?: number; cacheMaxAgeMs?: number } = {}) {
    if (typeof source === 'string') {
      this.remote = createRemoteJWKSet(new URL(source), {
        cooldownDuration: opts.cooldownMs ?? 30_000,
        cacheMaxAge: opts.cacheMaxAgeMs ?? 600_000,
        timeoutDuration: 1_500,
      });
      this.getKey = this.remote;
    } else {
      this.local = source;
      this.getKey = createLocalJWKSet(source);
    }
  }

  /** The OKP/Ed25519 keys, loading a remote set when it is missing or stale. */
  async ed25519Keys(): Promise<Ed25519Key[]> {
    if (this.remote && (!this.remote.jwks() || !this.remote.fresh)) await this.reload();
    return this.fromDocument(this.local ?? this.remote?.jwks());
  }

  /** Fetches again, unless a fetch happened within the cooldown (so forged deliveries cannot hammer the server). */
  async refreshIfAllowed(): Promise<boolean> {
    if (!this.remote || this.remote.coolingDown) return false;
    await this.reload();
    return true;
  }

  private async reload(): Promise<void> {
    try {
      await this.remote?.reload();
    } catch (err) {
      throw new KeySetUnavailableError(`JWKS could not be fetched: ${(err as Error).message}`);
    }
  }

  private fromDocument(source: JSONWebKeySet | undefined): Ed25519Key[] {
    if (!source) return [];
    if (this.ed25519Cache?.source === source) return this.ed25519Cache.keys;
    const keys: Ed25519Key[] = [];
    for (const jwk of source.keys ?? []) {
      if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string' || jwk.d !== undefined) continue;
      try {
        keys.push({
          kid: jwk.kid,
          key: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' }),
        });
      } catch {
        // A broken key in the set must not stop the others from working.
      }
    }
    this.ed25519Cache = { source, keys };
    return keys;
  }
}
