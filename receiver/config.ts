import { z } from 'zod';
import { envSchema, withMisspellingHints } from '../common/env';
import { warnAboutMisspeltEnv } from '../common/env-names';
import { routingKeysFromVariable, routingKeysRequired } from '../routing/token';
import { temporalSettings } from '../temporal/settings';
import { parseOptions, ReceiverOptionsError } from './option-errors';
import { admissionDefaults, listenSchemas, type ReceiverOptions } from './options';
import { googleJwksUrl } from './verify/google';
import { checkWebhookSecrets } from './verify/v1';

export { googleJwksUrl };

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const list = z
  .string()
  .default('')
  .transform((s) => s.split(/[\s,]+/).filter(Boolean));

const schema = envSchema({
  RECEIVER_PORT: int(0, 65535).default(8789),
  RECEIVER_HOST: listenSchemas.host,
  RECEIVER_PATH: listenSchemas.path,
  RECEIVER_PUBLIC_URL: listenSchemas.publicUrl,
  RECEIVER_OPS_PORT: int(0, 65535).default(8788),
  RECEIVER_OPS_HOST: z.string().min(1).default('127.0.0.1'),
  RECEIVER_OPS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  GEMINI_WEBHOOK_SECRETS: list,
  GEMINI_JWKS_URL: z.url({ protocol: /^https?$/ }).default(googleJwksUrl),
  GEMINI_WEBHOOK_ISSUERS: list,
  GEMINI_WEBHOOK_AUDIENCE: z.union([z.literal('disabled'), z.url({ protocol: /^https?$/ })]).optional(),
  GEMINIFLOW_ROUTING_KEYS: z.string().optional(),
  RECEIVER_UNTRUSTED_PER_MINUTE: int(0).default(60),
  RECEIVER_UNTRUSTED_MAX_OPEN: int(0).default(1000),
  RECEIVER_ACK_TIMEOUT_MS: int(100, 60_000).default(2000),
  RECEIVER_MAX_IN_FLIGHT: int(1, 10_000).default(admissionDefaults.maxInFlight),
  RECEIVER_MAX_QUEUED: int(0, 100_000).default(admissionDefaults.maxQueued),
  // Unset: 1000 ms, or half the ack timeout if that is less (decided where the options are checked).
  RECEIVER_MAX_QUEUE_WAIT_MS: int(1, 60_000).optional(),
  RECEIVER_MAX_BODY_BYTES: int(1024, 64 * 1024 * 1024).default(1024 * 1024),
  RECEIVER_MAX_EVENT_BYTES: int(1024, 2 * 1024 * 1024).default(256 * 1024),
  RECEIVER_MAX_JSON_DEPTH: int(4, 1000).default(32),
  RECEIVER_MAX_SIGNATURE_ENTRIES: int(1, 100).default(8),
  RECEIVER_MAILBOX_LOOKUP_TIMEOUT_MS: int(1000).default(15 * 60_000),
});

/** Checks a secret-bearing variable by its own parser, reporting the variable and never the value. */
function checked<T>(name: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new ReceiverOptionsError(`invalid ${name}: ${(err as Error).message}`);
  }
}

/** The receiver's settings from the environment; every problem is reported at once, without echoing secrets. */
export function receiverConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ReceiverOptions {
  // docker compose passes `${VAR:-}` as an empty string: that means unset, not an invalid value.
  env = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  warnAboutMisspeltEnv(env);
  try {
    return receiverOptionsOf(env);
  } catch (err) {
    throw withMisspellingHints(err, env);
  }
}

function receiverOptionsOf(env: NodeJS.ProcessEnv): ReceiverOptions {
  const c = parseOptions(schema, env, 'receiver settings');
  checked('GEMINI_WEBHOOK_SECRETS', () => checkWebhookSecrets(c.GEMINI_WEBHOOK_SECRETS));
  if (c.RECEIVER_MAX_QUEUE_WAIT_MS !== undefined && c.RECEIVER_MAX_QUEUE_WAIT_MS >= c.RECEIVER_ACK_TIMEOUT_MS) {
    throw new ReceiverOptionsError(
      'invalid receiver settings:\n  - RECEIVER_MAX_QUEUE_WAIT_MS: must be below RECEIVER_ACK_TIMEOUT_MS',
    );
  }
  if (c.GEMINIFLOW_ROUTING_KEYS === undefined) throw new ReceiverOptionsError(routingKeysRequired);
  const routingKeys = checked('GEMINIFLOW_ROUTING_KEYS', () => routingKeysFromVariable(c.GEMINIFLOW_ROUTING_KEYS));
  const temporal = temporalSettings(env);
  return {
    port: c.RECEIVER_PORT,
    host: c.RECEIVER_HOST,
    path: c.RECEIVER_PATH,
    publicUrl: c.RECEIVER_PUBLIC_URL,
    opsPort: c.RECEIVER_OPS_PORT,
    opsHost: c.RECEIVER_OPS_HOST,
    opsToken: c.RECEIVER_OPS_TOKEN,
    secrets: c.GEMINI_WEBHOOK_SECRETS,
    jwksUrl: c.GEMINI_JWKS_URL,
    issuer: c.GEMINI_WEBHOOK_ISSUERS.length ? c.GEMINI_WEBHOOK_ISSUERS : undefined,
    audience: c.GEMINI_WEBHOOK_AUDIENCE === 'disabled' ? false : c.GEMINI_WEBHOOK_AUDIENCE,
    routingKeys,
    untrustedBudget: { perMinute: c.RECEIVER_UNTRUSTED_PER_MINUTE, maxOpen: c.RECEIVER_UNTRUSTED_MAX_OPEN },
    temporal: {
      address: temporal.address,
      namespace: temporal.namespace,
      taskQueue: temporal.taskQueue,
      connectionOptions: temporal.nativeConnectionOptions,
    },
    ackTimeoutMs: c.RECEIVER_ACK_TIMEOUT_MS,
    admission: {
      maxInFlight: c.RECEIVER_MAX_IN_FLIGHT,
      maxQueued: c.RECEIVER_MAX_QUEUED,
      ...(c.RECEIVER_MAX_QUEUE_WAIT_MS === undefined ? {} : { maxWaitMs: c.RECEIVER_MAX_QUEUE_WAIT_MS }),
    },
    maxBodyBytes: c.RECEIVER_MAX_BODY_BYTES,
    maxEventBytes: c.RECEIVER_MAX_EVENT_BYTES,
    maxJsonDepth: c.RECEIVER_MAX_JSON_DEPTH,
    maxSignatureEntries: c.RECEIVER_MAX_SIGNATURE_ENTRIES,
    mailboxLookupTimeoutMs: c.RECEIVER_MAILBOX_LOOKUP_TIMEOUT_MS,
    defaultMetrics: true,
  };
}
