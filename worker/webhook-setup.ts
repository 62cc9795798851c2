import fs from 'node:fs';
import type { GoogleGenAI } from '@google/genai';
import { describeGeminiError } from '../activities/gemini-client';
import { SetupError } from '../common/errors';
import { logger } from '../common/logger';
import { webhookEventTypes } from '../contract';

/** The seven event names SDK 3.1.0 and the API reference list; the guide adds the two `*.cancelled` ones. */
const referenceEventTypes = webhookEventTypes.filter((t) => !t.endsWith('.cancelled'));

export interface EnsuredWebhook {
  id: string;
  created: boolean;
  state: string;
  subscribedEvents: string[];
  /** Only when the webhook was created now: Gemini shows a signing secret once. Never log it. */
  newSigningSecret?: string;
  warnings: string[];
}

/**
 * Makes sure a registered webhook for `uri` exists: finds it among the registered ones (all pages), or creates it
 * subscribed to every event type. Reports, without changing anything, a found webhook that is disabled or misses
 * event types, since an operator may have disabled it on purpose.
 */
export async function ensureRegisteredWebhook(
  ai: GoogleGenAI,
  uri: string,
  name = 'geminiflow',
): Promise<EnsuredWebhook> {
  const existing = await findWebhook(ai, uri);
  if (existing) {
    const warnings: string[] = [];
    const state = existing.state ?? 'unknown';
    if (state !== 'enabled') {
      warnings.push(
        `the registered webhook ${existing.id} for ${uri} is ${state}: Gemini sends it nothing. ` +
          `Fix the endpoint, then enable it with ai.webhooks.update('${existing.id}', {state: 'enabled'}).`,
      );
    }
    const subscribed = existing.subscribed_events ?? [];
    const missing = referenceEventTypes.filter((t) => !subscribed.includes(t));
    if (missing.length)
      warnings.push(`the registered webhook ${existing.id} is not subscribed to: ${missing.join(', ')}`);
    return { id: existing.id!, created: false, state, subscribedEvents: subscribed, warnings };
  }

  const created = await createWebhook(ai, uri, name);
  return {
    id: created.id!,
    created: true,
    state: created.state ?? 'enabled',
    subscribedEvents: created.subscribed_events ?? [],
    ...(created.new_signing_secret ? { newSigningSecret: created.new_signing_secret } : {}),
    warnings: [],
  };
}

type Webhook = Awaited<ReturnType<GoogleGenAI['webhooks']['create']>>;

async function findWebhook(ai: GoogleGenAI, uri: string): Promise<Webhook | undefined> {
  let page_token: string | undefined;
  do {
    const page = await ai.webhooks.list({ page_size: 100, ...(page_token ? { page_token } : {}) });
    const match = page.webhooks?.find((w) => w.uri === uri);
    if (match) return match;
    page_token = page.next_page_token || undefined;
  } while (page_token);
  return undefined;
}

/** Subscribes to all nine event names; where the API knows only the reference's seven, it retries with those. */
async function createWebhook(ai: GoogleGenAI, uri: string, name: string): Promise<Webhook> {
  try {
    return await ai.webhooks.create({ name, uri, subscribed_events: [...webhookEventTypes] });
  } catch (err) {
    if (describeGeminiError(err).status !== 400) throw err;
    return ai.webhooks.create({ name, uri, subscribed_events: referenceEventTypes });
  }
}

export interface EnsureWebhookSettings {
  /** The receiver's public URL (GEMINIFLOW_WEBHOOK_URL). */
  uri: string;
  /** Where a newly created webhook's signing secret is written (mode 0600). */
  secretFile?: string;
}

/**
 * The worker's startup option (GEMINIFLOW_ENSURE_WEBHOOK=true): ensure the registered webhook for the receiver's URL
 * exists. A new signing secret goes to the operator only: to the secret file (created 0600), else to the terminal
 * when there is one, never to the logs.
 */
export async function ensureWebhookAtStartup(
  ai: GoogleGenAI,
  settings: EnsureWebhookSettings,
): Promise<EnsuredWebhook> {
  let ensured: EnsuredWebhook;
  try {
    ensured = await ensureRegisteredWebhook(ai, settings.uri);
  } catch (err) {
    throw new SetupError(
      `could not ensure the registered webhook for ${settings.uri}: ${describeGeminiError(err).message}`,
    );
  }
  const { newSigningSecret, ...safe } = ensured;
  logger.info(
    { webhookId: safe.id, created: safe.created, state: safe.state, uri: settings.uri },
    'registered webhook ensured',
  );
  for (const warning of safe.warnings) logger.warn({ webhookId: safe.id }, warning);
  if (newSigningSecret) handOverSecret(newSigningSecret, safe.id, settings.secretFile);
  return ensured;
}

function handOverSecret(secret: string, webhookId: string, file: string | undefined): void {
  if (file) {
    fs.writeFileSync(file, `${secret}\n`, { mode: 0o600 });
    logger.info({ webhookId }, 'the new signing secret was written to GEMINIFLOW_WEBHOOK_SECRET_FILE');
  } else if (process.stderr.isTTY) {
    process.stderr.write(
      `\nNew signing secret for webhook ${webhookId} (shown once; add it to the receiver's GEMINI_WEBHOOK_SECRETS):\n` +
        `  ${secret}\n\n`,
    );
  } else {
    logger.warn(
      { webhookId },
      'a webhook was created but its signing secret was withheld (no terminal and no GEMINIFLOW_WEBHOOK_SECRET_FILE); ' +
        'get a new one with ai.webhooks.rotateSigningSecret',
    );
  }
}
