import { invalidArgument } from './errors';
import { field, isRecord } from './fields';
import type { WebhookConfig } from './publisher';

/** A job's `webhook_config` (either spelling of its keys), validated. */
export function parseWebhookConfig(value: unknown): WebhookConfig | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) throw invalidArgument('webhook_config must be an object.');
  const uris = field<unknown>(value, 'uris');
  if (uris !== undefined && !(Array.isArray(uris) && uris.every((u) => typeof u === 'string'))) {
    throw invalidArgument('webhook_config.uris must be a list of URLs.');
  }
  for (const u of (uris as string[] | undefined) ?? []) {
    try {
      new URL(u);
    } catch {
      throw invalidArgument(`webhook_config.uris has an invalid URL: ${u}`);
    }
  }
  const userMetadata = field<unknown>(value, 'user_metadata');
  if (userMetadata !== undefined && !isRecord(userMetadata))
    throw invalidArgument('webhook_config.user_metadata must be an object.');
  return { uris: uris as string[] | undefined, userMetadata: userMetadata as Record<string, unknown> | undefined };
}

/**
 * A batch's `webhook_config`. The live Batch API takes either spelling of the outer key but only `user_metadata` inside
 * (go-genai issue 779), although SDK 3.1.0's type says `userMetadata` and copies it unchanged: refuse it the same way.
 */
export function parseBatchWebhookConfig(value: unknown): WebhookConfig | undefined {
  if (isRecord(value) && 'userMetadata' in value) {
    throw invalidArgument(
      `Invalid JSON payload received. Unknown name "userMetadata" at 'batch.webhook_config': Cannot find field.`,
    );
  }
  return parseWebhookConfig(value);
}
