import path from 'node:path';
import { z } from 'zod';
import { envSchema, parseEnv, withExplicitValues } from '../common/env';
import { readJsonSetting } from '../common/json-setting';
import { mergePriceTable, type PriceTable, priceTableOverrideSchema } from '../contract';
import { type RoutingKey, routingKeysFromVariable, routingKeysRequired } from '../routing/token';
import { type ApprovalNotifyConfig, checkNotifyConfig, notifyEnvNames, notifyEnvSchema } from './notify-config';

/** Where Gemini calls go and how jobs are routed back: read and checked once, when the worker starts. */
export interface GeminiflowConfig {
  gemini: {
    /** `emulator`: a local emulator at `baseUrl`, with a dummy key; `gemini`: the real API. */
    target: 'gemini' | 'emulator';
    /** Never logged (the logger redacts `apiKey`). */
    apiKey: string;
    baseUrl?: string;
  };
  /** The receiver's public URL, put in every job's `webhook_config.uris`; unset: registered webhooks only. */
  webhookUrl?: string;
  /** Where `generateVideo` saves videos. */
  outputDir: string;
  /**
   * Signs every job's `user_metadata` with a routing token, so the receiver can tell our jobs' per-request deliveries
   * from those a stranger's jobs could make Gemini send (GEMINIFLOW_ROUTING_KEYS; the first key mints).
   */
  routingKey?: RoutingKey;
  /** Notifications about tool calls that wait for a person (GEMINIFLOW_NOTIFY_*); unset: none are sent. */
  notify?: ApprovalNotifyConfig;
  /** Prices for budgets in estimated cost (GEMINIFLOW_PRICES on top of the default table); unset: the default. */
  prices?: PriceTable;
}

/** The emulator accepts any non-empty key; a fixed one keeps a real key out of local traffic. */
export const emulatorApiKey = 'geminiflow-emulator-key';

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const geminiSettings = envSchema({
  GEMINI_API_KEY: z.string().min(1).optional(),
  GOOGLE_GEMINI_BASE_URL: httpUrl.optional(),
  GEMINI_EMULATOR_URL: httpUrl.optional(),
  GEMINI_EMULATOR_PORT: z.coerce.number().int().min(1).max(65535).default(8790),
  GEMINIFLOW_WEBHOOK_URL: httpUrl.optional(),
  GEMINIFLOW_OUTPUT_DIR: z.string().min(1).default('output'),
  GEMINIFLOW_ROUTING_KEYS: z
    .string()
    .transform((value, ctx) => {
      try {
        return routingKeysFromVariable(value);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    })
    .optional(),
  ...notifyEnvSchema,
  // Inline JSON or a file's path; read by readJsonSetting, so only its presence is checked here.
  GEMINIFLOW_PRICES: z.string().optional(),
});

/**
 * Reads the worker's Gemini settings from the environment, with `values` given in code added to it (they win over the
 * environment's, which are still read and checked). GEMINI_EMULATOR_URL wins over GEMINI_API_KEY, so a stray real key
 * in a developer's shell never sends test traffic to Google; with neither, the emulator on GEMINI_EMULATOR_PORT. Jobs
 * that send per-request webhooks (GEMINIFLOW_WEBHOOK_URL) need routing keys, or GEMINIFLOW_ROUTING_KEYS=none.
 */
export function geminiflowConfigFromEnv(
  values: Record<string, string | undefined> = {},
  env: NodeJS.ProcessEnv = process.env,
): GeminiflowConfig {
  const settings = withExplicitValues(values, env);
  const c = parseEnv(
    geminiSettings.refine((v) => !v.GEMINIFLOW_WEBHOOK_URL || v.GEMINIFLOW_ROUTING_KEYS !== undefined, {
      message: routingKeysRequired,
      path: ['GEMINIFLOW_ROUTING_KEYS'],
    }),
    settings,
    'Gemini settings',
  );
  const gemini: GeminiflowConfig['gemini'] = c.GEMINI_EMULATOR_URL
    ? { target: 'emulator', apiKey: c.GEMINI_API_KEY ?? emulatorApiKey, baseUrl: c.GEMINI_EMULATOR_URL }
    : c.GEMINI_API_KEY
      ? { target: 'gemini', apiKey: c.GEMINI_API_KEY, baseUrl: c.GOOGLE_GEMINI_BASE_URL }
      : { target: 'emulator', apiKey: emulatorApiKey, baseUrl: `http://127.0.0.1:${c.GEMINI_EMULATOR_PORT}` };
  const prices = readJsonSetting(settings, 'GEMINIFLOW_PRICES', priceTableOverrideSchema);
  return {
    gemini,
    ...(prices ? { prices: mergePriceTable(prices) } : {}),
    webhookUrl: c.GEMINIFLOW_WEBHOOK_URL,
    outputDir: path.resolve(c.GEMINIFLOW_OUTPUT_DIR),
    routingKey: c.GEMINIFLOW_ROUTING_KEYS?.[0],
    notify: checkNotifyConfig(
      {
        urls: c.GEMINIFLOW_NOTIFY_URLS,
        secret: c.GEMINIFLOW_NOTIFY_SECRET,
        slackUrls: c.GEMINIFLOW_NOTIFY_SLACK_URLS,
        consoleUrl: c.GEMINIFLOW_CONSOLE_URL,
      },
      notifyEnvNames,
    ),
  };
}
