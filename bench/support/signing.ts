import { generateKeyPairSync, type KeyObject, randomUUID, sign } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/**
 * What Gemini does before a delivery: signing. The bench signs deliveries before the clock starts, `v1` with the
 * Standard Webhooks library and `v1a` with its own Ed25519 key, published on a local JWKS the receiver is given.
 */
export interface SignedDelivery {
  body: string;
  headers: Record<string, string>;
}

export interface Signer {
  jwksUrl: string;
  /** Signs afresh (a current timestamp); `webhookId` keeps one delivery's id across its attempts. */
  sign(scheme: 'v1' | 'v1a', body: string, webhookId?: string): SignedDelivery;
  stop(): Promise<void>;
}

/** `alsoServe`: a JWKS whose keys are published too (the emulator's), so one receiver verifies both signers. */
export async function startSigner(secret: string, alsoServe?: string): Promise<Signer> {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const others = alsoServe ? ((await (await fetch(alsoServe)).json()) as { keys: unknown[] }).keys : [];
  const jwks = JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), use: 'sig' }, ...others] });
  const server = http.createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(jwks);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const hook = new Webhook(secret);
  return {
    jwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
    sign: (scheme, body, webhookId) => signDelivery(scheme, body, hook, privateKey, webhookId),
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function signDelivery(
  scheme: 'v1' | 'v1a',
  body: string,
  hook: Webhook,
  key: KeyObject,
  webhookId?: string,
): SignedDelivery {
  const id = webhookId ?? `msg_${randomUUID()}`;
  const at = new Date();
  const ts = Math.floor(at.getTime() / 1000);
  const signature =
    scheme === 'v1'
      ? hook.sign(id, at, body)
      : `v1a,${sign(null, Buffer.from(`${id}.${ts}.${body}`), key).toString('base64')}`;
  return { body, headers: { 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signature } };
}
