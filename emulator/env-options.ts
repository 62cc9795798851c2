import { declareEnvNames, warnAboutMisspeltEnv } from '../common/env-names';
import { SetupError } from '../common/errors';
import { definedFields } from './fields';
import { parsePublicUrl } from './public-url';
import {
  type DynamicSigning,
  type EmulatorOptions,
  type RateLimit,
  type StatusEvents,
  statusEventsChoices,
  type UserMetadataPlacement,
  type VideoCompletionEvents,
  type WebhookTimestampClock,
} from './types';

/** Every variable the emulator reads; the readers below accept no other name. */
const emulatorEnvNames = declareEnvNames([
  'GEMINI_EMULATOR_PORT',
  'GEMINI_EMULATOR_HOST',
  'GEMINI_EMULATOR_API_KEY',
  'GEMINI_EMULATOR_PUBLIC_URL',
  'GEMINI_EMULATOR_DYNAMIC_SIGNING',
  'GEMINI_EMULATOR_TIME_SCALE',
  'GEMINI_EMULATOR_INTERACTION_MS',
  'GEMINI_EMULATOR_DEEP_RESEARCH_MS',
  'GEMINI_EMULATOR_BATCH_MS',
  'GEMINI_EMULATOR_VIDEO_MS',
  'GEMINI_EMULATOR_USER_METADATA_PLACEMENT',
  'GEMINI_EMULATOR_WEBHOOK_TIMESTAMP_CLOCK',
  'GEMINI_EMULATOR_VIDEO_EVENTS',
  'GEMINI_EMULATOR_STATUS_EVENTS',
  'GEMINI_EMULATOR_DELIVERY_TIMEOUT_MS',
  'GEMINI_EMULATOR_DISABLE_AFTER_FAILED_ATTEMPTS',
  'GEMINI_EMULATOR_RATE_LIMIT',
  'GEMINI_EMULATOR_RATE_LIMITED_METHODS',
] as const);
type EmulatorEnvName = (typeof emulatorEnvNames)[number];

function stringFrom(env: NodeJS.ProcessEnv, name: EmulatorEnvName): string | undefined {
  return env[name] || undefined;
}

function numberFrom(env: NodeJS.ProcessEnv, name: EmulatorEnvName, check: (n: number) => boolean): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || !check(n)) throw new SetupError(`${name}=${raw} is not a valid value.`);
  return n;
}

function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: EmulatorEnvName, allowed: readonly T[]): T | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!allowed.includes(raw as T)) throw new SetupError(`${name} must be one of ${allowed.join(', ')}, got ${raw}.`);
  return raw as T;
}

function publicUrlFrom(env: NodeJS.ProcessEnv): string | undefined {
  const raw = stringFrom(env, 'GEMINI_EMULATOR_PUBLIC_URL');
  if (!raw) return undefined;
  try {
    return parsePublicUrl(raw);
  } catch (err) {
    throw new SetupError(`GEMINI_EMULATOR_PUBLIC_URL: ${(err as Error).message}`);
  }
}

/** Emulator options from GEMINI_EMULATOR_* variables (README "Environment"), for `npm run emulator`. */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): EmulatorOptions {
  warnAboutMisspeltEnv(env);
  const nonNegative = (n: number) => n >= 0;
  return {
    port: numberFrom(env, 'GEMINI_EMULATOR_PORT', (n) => Number.isInteger(n) && n >= 0 && n < 65536) ?? 8790,
    host: stringFrom(env, 'GEMINI_EMULATOR_HOST') ?? '127.0.0.1',
    apiKey: stringFrom(env, 'GEMINI_EMULATOR_API_KEY'),
    publicUrl: publicUrlFrom(env),
    dynamicSigning: oneOf<DynamicSigning>(env, 'GEMINI_EMULATOR_DYNAMIC_SIGNING', ['v1a', 'jwt']),
    timeScale: numberFrom(env, 'GEMINI_EMULATOR_TIME_SCALE', (n) => n > 0),
    durations: {
      interactionMs: numberFrom(env, 'GEMINI_EMULATOR_INTERACTION_MS', nonNegative),
      deepResearchMs: numberFrom(env, 'GEMINI_EMULATOR_DEEP_RESEARCH_MS', nonNegative),
      batchMs: numberFrom(env, 'GEMINI_EMULATOR_BATCH_MS', nonNegative),
      videoMs: numberFrom(env, 'GEMINI_EMULATOR_VIDEO_MS', nonNegative),
    },
    userMetadataPlacement: oneOf<UserMetadataPlacement>(env, 'GEMINI_EMULATOR_USER_METADATA_PLACEMENT', [
      'data',
      'top',
      'both',
    ]),
    webhookTimestampClock: oneOf<WebhookTimestampClock>(env, 'GEMINI_EMULATOR_WEBHOOK_TIMESTAMP_CLOCK', [
      'auto',
      'emulator',
      'real',
    ]),
    videoCompletionEvents: oneOf<VideoCompletionEvents>(env, 'GEMINI_EMULATOR_VIDEO_EVENTS', [
      'completed',
      'both',
      'none',
    ]),
    statusEvents: oneOf<StatusEvents>(env, 'GEMINI_EMULATOR_STATUS_EVENTS', statusEventsChoices),
    deliveryTimeoutMs: numberFrom(env, 'GEMINI_EMULATOR_DELIVERY_TIMEOUT_MS', (n) => n > 0),
    disableWebhookAfterFailedAttempts: numberFrom(env, 'GEMINI_EMULATOR_DISABLE_AFTER_FAILED_ATTEMPTS', (n) => n >= 1),
    rateLimit: rateLimitFrom(env),
  };
}

/** GEMINI_EMULATOR_RATE_LIMIT (requests per second, may be fractional) and GEMINI_EMULATOR_RATE_LIMITED_METHODS. */
function rateLimitFrom(env: NodeJS.ProcessEnv): RateLimit | undefined {
  const perSecond = numberFrom(env, 'GEMINI_EMULATOR_RATE_LIMIT', (n) => n > 0);
  if (perSecond === undefined) return undefined;
  const methods = stringFrom(env, 'GEMINI_EMULATOR_RATE_LIMITED_METHODS')
    ?.split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  return { perSecond, ...(methods?.length ? { sdkMethods: methods } : {}) };
}

/**
 * `startEmulator` options completed from the environment: an option given in code wins; an unset behavioural option
 * (signing, clock, durations, metadata placement, video events, delivery limits) falls back to its GEMINI_EMULATOR_*
 * variable, so a whole test run can switch, say, to JWT signing. Port, host, public URL and API key come from code
 * only.
 */
export function withEnvDefaults(opts: EmulatorOptions, env: NodeJS.ProcessEnv = process.env): EmulatorOptions {
  const { port: _p, host: _h, publicUrl: _u, apiKey: _k, durations, ...fromEnv } = optionsFromEnv(env);
  return {
    ...definedFields(fromEnv),
    ...definedFields(opts),
    durations: { ...definedFields(durations), ...definedFields(opts.durations) },
  };
}
