import { createPublicKey, type KeyObject } from 'node:crypto';
import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';

/** Raised when the key set cannot be fetched: the delivery may be genuine, so the answer is 503, not 401. */
export class KeySetUnavailableError extends Error {
  override name = 'KeySetUnavailableError';
}

export interface Ed25519Key {
  kid?: string;
  /** What logs and metrics call it: its kid, else its position in the key set (`#0`...). */
  label: string;
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
  /** The Ed25519 key that verified last: tried first, since a sender signs with one key until it rotates. */
  private lastVerified?: KeyObject;

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

  /**
   * The keys to try, in order: only the key named by `kid` when the set has it (one verification per delivery);
   * otherwise every key, the one that verified last first. The order is kept in place, so this allocates nothing.
   */
  async ed25519Candidates(kid?: string): Promise<readonly Ed25519Key[]> {
    const keys = await this.ed25519Keys();
    if (kid !== undefined) {
      const named = keys.find((k) => k.kid === kid);
      if (named) return [named];
    }
    return keys;
  }

  /** Moves the key that verified to the front, so the next delivery tries it first. */
  noteVerified(key: Ed25519Key): void {
    if (this.lastVerified === key.key) return;
    this.lastVerified = key.key;
    const keys = this.ed25519Cache?.keys;
    const at = keys?.indexOf(key) ?? -1;
    if (keys && at > 0) {
      keys.splice(at, 1);
      keys.unshift(key);
    }
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
          label: jwk.kid ?? `#${keys.length}`,
          key: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' }),
        });
      } catch {
        // A broken key in the set must not stop the others from working.
      }
    }
    // A reloaded set keeps the key that verified last in front.
    const last = keys.findIndex((k) => this.lastVerified && k.key.equals(this.lastVerified));
    if (last > 0) keys.unshift(...keys.splice(last, 1));
    this.ed25519Cache = { source, keys };
    return keys;
  }
}
