import { verify } from 'node:crypto';
import type { Ed25519Key } from './jwks';
import { classifyVersioned, type SignatureScheme } from './scheme';

/**
 * Standard Webhooks `v1a`: Ed25519 over `{id}.{timestamp}.{raw body}`, as Gemini is reported to sign per-request
 * webhooks. No library verifies it (standardwebhooks skips `v1a`). One verification per delivery in the usual case:
 * the key named by `webhook-key-id` when a sender names one, else the key that verified the previous delivery first
 * (no observed delivery names its key, and Google publishes several). Google's keys sign every customer's
 * deliveries, so this proves Google, not the job's owner.
 */
export const v1aScheme: SignatureScheme = {
  name: 'v1a',
  proves: 'google',
  signsHeaders: true,
  classify: (entry) => classifyVersioned(entry, 'v1a', 64),
  verifier({ keySet }) {
    if (!keySet) return 'asymmetric signature but no JWKS configured';
    return {
      async verify(entries, { webhookId, timestamp, body, keyId }) {
        if (webhookId === undefined || timestamp === undefined) return { ok: false, reason: 'v1a needs both headers' };
        const signatures = entries.map((e) => Buffer.from(e.slice('v1a,'.length), 'base64'));
        const message = Buffer.concat([Buffer.from(`${webhookId}.${timestamp}.`), body]);
        const attempt = async (): Promise<Ed25519Key | undefined> => {
          for (const candidate of await keySet.ed25519Candidates(keyId)) {
            if (signatures.some((s) => verify(null, message, candidate.key, s))) return candidate;
          }
          return undefined;
        };
        // A miss may mean Google rotated its keys since the last fetch.
        const found = (await attempt()) ?? ((await keySet.refreshIfAllowed()) ? await attempt() : undefined);
        if (!found) return { ok: false, reason: 'no signature entry verified' };
        keySet.noteVerified(found);
        return { ok: true, key: found.label };
      },
    };
  },
};
