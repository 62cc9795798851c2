import { z } from 'zod';
import { envSchema, parseEnv } from '../common/env';
import { SetupError } from '../common/errors';
import type { EnsureWebhookSettings } from './webhook-setup';

/** What the worker process does at start besides hosting workflows, from the environment. */
export interface WorkerStartSettings {
  /** Set when GEMINIFLOW_ENSURE_WEBHOOK is on: the registered webhook to find or create. */
  ensureWebhook?: EnsureWebhookSettings;
}

const schema = envSchema({
  GEMINIFLOW_ENSURE_WEBHOOK: z.stringbool().default(false),
  GEMINIFLOW_WEBHOOK_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  GEMINIFLOW_WEBHOOK_SECRET_FILE: z.string().min(1).optional(),
});

export function workerStartSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerStartSettings {
  const c = parseEnv(schema, env, 'worker settings');
  if (!c.GEMINIFLOW_ENSURE_WEBHOOK) return {};
  if (!c.GEMINIFLOW_WEBHOOK_URL) {
    throw new SetupError(
      "GEMINIFLOW_ENSURE_WEBHOOK is set but GEMINIFLOW_WEBHOOK_URL (the receiver's public URL) is not.",
    );
  }
  return { ensureWebhook: { uri: c.GEMINIFLOW_WEBHOOK_URL, secretFile: c.GEMINIFLOW_WEBHOOK_SECRET_FILE } };
}
