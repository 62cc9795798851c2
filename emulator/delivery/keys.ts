import { generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import { opaqueId } from '../ids';

/** How many OKP keys the JWKS publishes; the live endpoint was reported to serve three, without `kid`. */
const ed25519KeyCount = 3;
/** Which of them signs: not the first, so a verifier that does not try every kid-less key fails visibly. */
const activeEd25519Index = 1;

/** The emulator's asymmetric signing keys for per-request (dynamic) webhooks, and the JWKS that publishes them. */
export class SigningKeys {
  readonly ed25519: { privateKey: KeyObject; publicJwk: JsonWebKey }[];
  readonly rsa: { privateKey: KeyObject; publicJwk: JsonWebKey; kid: string };

  constructor() {
    this.ed25519 = Array.from({ length: ed25519KeyCount }, () => {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const { kty, crv, x } = publicKey.export({ format: 'jwk' });
      return { privateKey, publicJwk: { kty, crv, x, use: 'sig' } };
    });
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const kid = `emulator-rsa-${opaqueId(8)}`;
    const { kty, n, e } = publicKey.export({ format: 'jwk' });
    this.rsa = { privateKey, kid, publicJwk: { kty, n, e, kid, alg: 'RS256', use: 'sig' } };
  }

  get activeEd25519(): KeyObject {
    return this.ed25519[activeEd25519Index].privateKey;
  }

  jwks(): { keys: JsonWebKey[] } {
    return { keys: [...this.ed25519.map((k) => k.publicJwk), this.rsa.publicJwk] };
  }
}
