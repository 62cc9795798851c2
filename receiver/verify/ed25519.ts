import { verify } from 'node:crypto';
import type { JwksKeys } from './jwks';

/**
 * Standard Webhooks `v1a`: Ed25519 over `{id}.{timestamp}.{raw body}`, as Gemini is reported to sign per-request
 * webhooks. No library verifies it (standardwebhooks skips `v1a`), and no `kid` says which key signed, so every
 * OKP key of the JWKS is tried. Returns the kid (or key index) that matched.
 */
export async function verifyV1a(
  keys: JwksKeys,
  webhookId: string,
  timestamp: number,
  body: Buffer,
  signatures: readonly Buffer[],
): Promise<string | undefined> {
  if (signatures.length === 0) return undefined;
  const message = Buffer.concat([Buffer.from(`${webhookId}.${timestamp}.`), body]);
  const attempt = async () => {
    const candidates = await keys.ed25519Keys();
    for (const [i, { kid, key }] of candidates.entries()) {
      for (const signature of signatures) {
        if (verify(null, message, key, signature)) return kid ?? `#${i}`;
      }
    }
    return undefined;
  };
  // A miss may mean Google rotated its keys since the last fetch.
  return (await attempt()) ?? ((await keys.refreshIfAllowed()) ? attempt() : undefined);
}
