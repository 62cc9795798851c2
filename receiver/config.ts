import { z } from 'zod';
import { SetupError } from '../common/errors';
import { temporalSettings } from '../common/temporal-connection';
import type { ReceiverOptions } from './server';
import { HmacVerifier } from './verify/hmac';

export const googleJwksUrl = 'https://generativelanguage.googleapis.com/.well-known/jwks.json';

const schema = z.object({
  RECEIVER_PORT: z.coerce.number().int().min(0).max(65535).default(8789),
  RECEIVER_HOST: z.string().min(1).default('127.0.0.1'),
  RECEIVER_PATH: z
    .string()
    .regex(/^\/\S*$/, 'must start with /')
    .default('/webhooks/gemini'),
  GEMINI_WEBHOOK_SECRETS: z
    .string()
    .default('')
    .transform((s) => s.split(/[\s,]+/).filter(Boolean)),
  GEMINI_JWKS_URL: z.url({ protocol: /^https?$/ }).default(googleJwksUrl),
  GEMINI_WEBHOOK_AUDIENCE: z.string().min(1).optional(),
  RECEIVER_ACK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(2000),
  RECEIVER_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024),
  RECEIVER_MAILBOX_LOOKUP_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(15 * 60_000),
});

/** The receiver's settings from the environment; every problem is reported at once, without echoing secrets. */
export function receiverConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ReceiverOptions {
  // docker compose passes `${VAR:-}` as an empty string: that means unset, not an invalid value.
  env = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new SetupError(
      `invalid receiver settings:\n${parsed.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`).join('\n')}`,
    );
  }
  const c = parsed.data;
  try {
    new HmacVerifier(c.GEMINI_WEBHOOK_SECRETS);
  } catch (err) {
    throw new SetupError(`invalid GEMINI_WEBHOOK_SECRETS: ${(err as Error).message}`);
  }
  const temporal = temporalSettings(env);
  return {
    port: c.RECEIVER_PORT,
    host: c.RECEIVER_HOST,
    path: c.RECEIVER_PATH,
    secrets: c.GEMINI_WEBHOOK_SECRETS,
    jwksUrl: c.GEMINI_JWKS_URL,
    audience: c.GEMINI_WEBHOOK_AUDIENCE,
    temporal: {
      address: temporal.address,
      namespace: temporal.namespace,
      taskQueue: temporal.taskQueue,
      connectionOptions: temporal.nativeConnectionOptions,
    },
    ackTimeoutMs: c.RECEIVER_ACK_TIMEOUT_MS,
    maxBodyBytes: c.RECEIVER_MAX_BODY_BYTES,
    mailboxLookupTimeoutMs: c.RECEIVER_MAILBOX_LOOKUP_TIMEOUT_MS,
    defaultMetrics: true,
  };
}
