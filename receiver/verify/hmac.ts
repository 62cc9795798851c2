import { timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/**
 * Standard Webhooks `v1` (HMAC-SHA256) for registered webhooks. Several secrets are held at once so a rotation
 * needs no downtime: a delivery passes if any `v1` entry matches any secret.
 */
export class HmacVerifier {
  private readonly hooks: Webhook[];

  /** Throws when a secret is not `whsec_` + base64 (or plain base64), so a typo fails at start, not per delivery. */
  constructor(secrets: readonly string[]) {
    this.hooks = secrets.map((secret, i) => {
      try {
        return new Webhook(secret);
      } catch {
        throw new Error(`webhook secret #${i + 1} is not a valid whsec_ base64 secret`);
      }
    });
  }

  get configured(): boolean {
    return this.hooks.length > 0;
  }

  /**
   * Returns the index of the secret that matched (never the secret itself), or undefined. The library computes the
   * signature; the comparison is done here because its verify() also judges the timestamp by the real clock, and the
   * receiver judges it once, by its own clock.
   */
  verify(webhookId: string, timestamp: number, body: Buffer, signatures: readonly string[]): number | undefined {
    if (signatures.length === 0) return undefined;
    const sent = signatures.map((s) => Buffer.from(s, 'base64'));
    for (const [i, hook] of this.hooks.entries()) {
      const expected = Buffer.from(
        hook.sign(webhookId, new Date(timestamp * 1000), body).slice('v1,'.length),
        'base64',
      );
      if (sent.some((s) => s.length === expected.length && timingSafeEqual(s, expected))) return i;
    }
    return undefined;
  }
}
