import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { classifyVersioned, type SignatureScheme } from './scheme';

/** The HMAC key of a `whsec_` secret, decoded the way Standard Webhooks does it (the prefix dropped, base64). */
function hmacKey(secret: string, index: number): KeyObject {
  try {
    // The library's constructor is the judge of a well-formed secret.
    new Webhook(secret);
  } catch {
    throw new Error(`webhook secret #${index + 1} is not a valid whsec_ base64 secret`);
  }
  return createSecretKey(Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64'));
}

/**
 * Standard Webhooks `v1` (HMAC-SHA256) for registered webhooks: our own secret, so it proves the sender is this
 * deployment's Gemini project. Several secrets are held at once so a rotation needs no downtime.
 *
 * The signed content is Standard Webhooks' `{id}.{timestamp}.{body}`. It is computed with node:crypto on key objects
 * made once, not with the library's sign(), which hashes in JavaScript and re-encodes the body per call (several times
 * the cost per delivery); the library still checks each secret's format. The timestamp is judged once, by the
 * receiver's clock, before any scheme runs.
 */
export const v1Scheme: SignatureScheme = {
  name: 'v1',
  proves: 'deployment',
  signsHeaders: true,
  classify: (entry) => classifyVersioned(entry, 'v1', 32),
  verifier(keys) {
    if (keys.secrets.length === 0) return 'no webhook secret configured';
    const hmacKeys = keys.secrets.map(hmacKey);
    return {
      async verify(entries, { webhookId, timestamp, body }) {
        if (webhookId === undefined || timestamp === undefined) return { ok: false, reason: 'v1 needs both headers' };
        const sent = entries.map((e) => Buffer.from(e.slice('v1,'.length), 'base64'));
        const prefix = `${webhookId}.${timestamp}.`;
        const matches = (signed: Buffer) => {
          for (let i = 0; i < hmacKeys.length; i++) {
            const expected = createHmac('sha256', hmacKeys[i]!).update(prefix).update(signed).digest();
            if (sent.some((s) => s.length === expected.length && timingSafeEqual(s, expected)))
              return `secret#${i + 1}`;
          }
          return undefined;
        };
        // Senders on the Standard Webhooks libraries sign the body as text: bytes that are not UTF-8 are signed as
        // U+FFFD. Only when the raw bytes do not match is that reading tried.
        let key = matches(body);
        if (!key) {
          const asText = Buffer.from(body.toString('utf8'));
          if (!asText.equals(body)) key = matches(asText);
        }
        return key ? { ok: true, key } : { ok: false, reason: 'no signature entry verified' };
      },
    };
  },
};

/** Throws when a secret is not `whsec_` + base64, so a typo fails at start, not per delivery. */
export function checkWebhookSecrets(secrets: readonly string[]): void {
  v1Scheme.verifier({ secrets, issuers: [], audience: false, toleranceSec: 0, now: Date.now });
}
