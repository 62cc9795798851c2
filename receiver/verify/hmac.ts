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

  /** Returns the index of the secret that matched (never the secret itself), or undefined. */
  verify(webhookId: string, timestamp: number, body: Buffer, signatures: readonly string[]): number | undefined {
    if (signatures.length === 0) return undefined;
    const headers = {
      'webhook-id': webhookId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signatures.map((s) => `v1,${s}`).join(' '),
    };
    for (const [i, hook] of this.hooks.entries()) {
      try {
        hook.verify(body, headers, { jsonParse: false });
        return i;
      } catch {
        // Not this secret; the next one may be the rotated one.
      }
    }
    return undefined;
  }
}
