import { verify } from 'node:crypto';
import { classifyVersioned, type SignatureScheme } from './scheme';

/**
 * Standard Webhooks `v1a`: Ed25519 over `{id}.{timestamp}.{raw body}`, as Gemini is reported to sign per-request
 * webhooks. No library verifies it (standardwebhooks skips `v1a`), and no `kid` says which key signed, so every OKP
 * key of the JWKS is tried. Google's keys sign every customer's deliveries, so this proves Google, not the job's owner.
 */
export const v1aScheme: SignatureScheme = {
  name: 'v1a',
  proves: 'google',
  signsHeaders: true,
  classify: (entry) => classifyVersioned(entry, 'v1a', 64),
  verifier({ keySet }) {
    if (!keySet) return 'asymmetric signature but no JWKS configured';
    return {
      async verify(entries, { webhookId, timestamp, body }) {
        if (webhookId === undefined || timestamp === undefined) return { ok: false, reason: 'v1a needs both headers' };
        const signatures = entries.map((e) => Buffer.from(e.slice('v1a,'.length), 'base64'));
        const message = Buffer.concat([Buffer.from(`${webhookId}.${timestamp}.`), body]);
        const attempt = async () => {
          for (const [i, { kid, key }] of (await keySet.ed25519Keys()).entries()) {
            if (signatures.some((s) => verify(null, message, key, s))) return kid ?? `#${i}`;
          }
          return undefined;
        };
        // A miss may mean Google rotated its keys since the last fetch.
        const key = (await attempt()) ?? ((await keySet.refreshIfAllowed()) ? await attempt() : undefined);
        return key ? { ok: true, key } : { ok: false, reason: 'no signature entry verified' };
      },
    };
  },
};
