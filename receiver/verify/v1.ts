import { timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { classifyVersioned, type SignatureScheme } from './scheme';

/**
 * Standard Webhooks `v1` (HMAC-SHA256) for registered webhooks: our own secret, so it proves the sender is this
 * deployment's Gemini project. Several secrets are held at once so a rotation needs no downtime.
 */
export const v1Scheme: SignatureScheme = {
  name: 'v1',
  proves: 'deployment',
  signsHeaders: true,
  classify: (entry) => classifyVersioned(entry, 'v1', 32),
  verifier(keys) {
    if (keys.secrets.length === 0) return 'no webhook secret configured';
    const hooks = keys.secrets.map((secret, i) => {
      try {
        return new Webhook(secret);
      } catch {
        throw new Error(`webhook secret #${i + 1} is not a valid whsec_ base64 secret`);
      }
    });
    return {
      // The library computes the signature; the comparison is done here because its verify() also judges the
      // timestamp by the real clock, and the receiver judges it once, by its own clock.
      async verify(entries, { webhookId, timestamp, body }) {
        if (webhookId === undefined || timestamp === undefined) return { ok: false, reason: 'v1 needs both headers' };
        const sent = entries.map((e) => Buffer.from(e.slice('v1,'.length), 'base64'));
        for (const [i, hook] of hooks.entries()) {
          const signed = hook.sign(webhookId, new Date(timestamp * 1000), body);
          const expected = Buffer.from(signed.slice('v1,'.length), 'base64');
          if (sent.some((s) => s.length === expected.length && timingSafeEqual(s, expected))) {
            return { ok: true, key: `secret#${i + 1}` };
          }
        }
        return { ok: false, reason: 'no signature entry verified' };
      },
    };
  },
};

/** Throws when a secret is not `whsec_` + base64, so a typo fails at start, not per delivery. */
export function checkWebhookSecrets(secrets: readonly string[]): void {
  v1Scheme.verifier({ secrets, issuers: [], audience: false, toleranceSec: 0, now: Date.now });
}
