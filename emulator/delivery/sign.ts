import { createHash, createHmac, type KeyObject, sign } from 'node:crypto';

/**
 * The three webhook signature schemes. Signing is written on node:crypto rather than with the libraries the tests and
 * the receiver verify with (standardwebhooks, jose), so a verification in a test checks an independent implementation.
 */

export interface SignedMessage {
  webhookId: string;
  /** Unix seconds, as sent in webhook-timestamp. */
  timestamp: number;
  body: string;
}

const signedContent = (m: SignedMessage) => `${m.webhookId}.${m.timestamp}.${m.body}`;

/** Decodes a `whsec_` secret into its HMAC key, as Standard Webhooks does. */
export function hmacKeyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}

/** Standard Webhooks `v1`: one HMAC-SHA256 entry per key, space-separated. */
export function signV1(keys: Buffer[], m: SignedMessage): string {
  const content = signedContent(m);
  return keys.map((key) => `v1,${createHmac('sha256', key).update(content).digest('base64')}`).join(' ');
}

/** Standard Webhooks `v1a`: Ed25519 over the same content, as the live dynamic deliveries were reported to use. */
export function signV1a(privateKey: KeyObject, m: SignedMessage): string {
  return `v1a,${sign(null, Buffer.from(signedContent(m)), privateKey).toString('base64')}`;
}

export interface JwtSigningInput extends SignedMessage {
  issuer: string;
  audience: string;
  eventType: string;
  /** The parsed envelope, carried under the `event` claim. */
  event: unknown;
}

const base64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** A bare compact RS256 JWT, as Google's guide documents for dynamic webhooks; its claims are the emulator's choice. */
export function signJwt(key: { privateKey: KeyObject; kid: string }, m: JwtSigningInput): string {
  const header = { alg: 'RS256', kid: key.kid, typ: 'JWT' };
  const claims = {
    iss: m.issuer,
    aud: m.audience,
    sub: m.eventType,
    iat: m.timestamp,
    exp: m.timestamp + 300,
    jti: m.webhookId,
    body_sha256: createHash('sha256').update(m.body).digest('hex'),
    event: m.event,
  };
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  return `${input}.${base64url(sign('RSA-SHA256', Buffer.from(input), key.privateKey))}`;
}
