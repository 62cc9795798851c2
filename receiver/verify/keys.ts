import type { JSONWebKeySet } from 'jose';
import { z } from 'zod';
import { googleJwksUrl } from './google';

/** What `verifyGeminiWebhook` verifies with. Checked once, when a verifier is made from it. */
export interface WebhookKeys {
  /** `whsec_` secrets of registered webhooks (v1); several during a rotation. */
  secrets?: readonly string[];
  /** Key set for per-request webhooks (v1a Ed25519 and RS256 JWT), fetched and cached... */
  jwksUrl?: string;
  /** ...or given as a document. */
  jwks?: JSONWebKeySet;
  /** Accepted JWT `iss`; default the JWKS URL's origin (and Google's accounts issuer for Google's key set). */
  issuer?: string | readonly string[];
  /** Required JWT `aud` (the receiver's public URL); `false` disables the check. Unset: JWTs are refused. */
  audience?: string | false;
  /** Standard Webhooks' replay window, seconds; default 300. */
  toleranceSec?: number;
  /** More entries in `webhook-signature` are refused before any cryptography; default 8. */
  maxSignatureEntries?: number;
  /** A longer `webhook-signature` header is refused; default 8192 bytes. */
  maxSignatureHeaderBytes?: number;
  /** Deeper JSON bodies are refused; default 32. */
  maxJsonDepth?: number;
  /** Minimum time between JWKS refetches for an unknown key; default 30 s. */
  jwksCooldownMs?: number;
  /** The clock timestamps and token lifetimes are judged by; default Date.now. */
  now?: () => number;
}

const httpUrl = z.url({ protocol: /^https?$/ });

export const webhookKeysSchema = z
  .object({
    secrets: z.array(z.string().min(1)).readonly().default([]),
    jwksUrl: httpUrl.optional(),
    jwks: z.looseObject({ keys: z.array(z.looseObject({ kty: z.string() })) }).optional(),
    issuer: z.union([z.string().min(1), z.array(z.string().min(1)).readonly()]).optional(),
    audience: z.union([httpUrl, z.literal(false)]).optional(),
    toleranceSec: z.number().int().min(1).max(3600).default(300),
    maxSignatureEntries: z.number().int().min(1).max(100).default(8),
    maxSignatureHeaderBytes: z.number().int().min(128).max(65_536).default(8192),
    maxJsonDepth: z.number().int().min(4).max(1000).default(32),
    jwksCooldownMs: z.number().int().min(0).optional(),
    now: z.custom<() => number>((v) => typeof v === 'function', 'must be a function').optional(),
  })
  .refine((k) => !(k.jwksUrl && k.jwks), { message: 'give jwksUrl or jwks, not both', path: ['jwks'] });

export type CheckedKeys = z.infer<typeof webhookKeysSchema>;

/** The issuers a JWT may name when none are configured: whoever serves the key set. */
export function defaultIssuers(jwksUrl: string | undefined): string[] {
  if (!jwksUrl) return [];
  const origin = new URL(jwksUrl).origin;
  return jwksUrl === googleJwksUrl ? [origin, 'https://accounts.google.com', 'accounts.google.com'] : [origin];
}
