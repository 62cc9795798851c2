import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import { SetupError } from '../common/errors';

/**
 * Where the notifications about calls waiting for a person go. The signing secret and the Slack URLs (which carry
 * their own token) are secrets: never logged, never in history or errors.
 */
export interface ApprovalNotifyConfig {
  /** Listeners that get every event as a Standard Webhook signed with `secret`. */
  urls: string[];
  /** `whsec_` + base64; required when `urls` is set. */
  secret?: string;
  /** Slack incoming webhooks (or anything that takes `{text}`): a one-line message with the link. */
  slackUrls: string[];
  /** Base of the approval page link: `<consoleUrl>/approvals/<workflowId>/<callId>`. */
  consoleUrl?: string;
}

/** The same settings as plugin options: every field optional. */
export type ApprovalNotifyOptions = Partial<ApprovalNotifyConfig>;

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const urlList = z.array(httpUrl);

/** GEMINIFLOW_NOTIFY_URLS and GEMINIFLOW_NOTIFY_SLACK_URLS: URLs separated by commas or spaces. */
export const notifyEnvSchema = {
  GEMINIFLOW_NOTIFY_URLS: z
    .string()
    .transform((s) => s.split(/[\s,]+/).filter(Boolean))
    .pipe(urlList)
    .optional(),
  GEMINIFLOW_NOTIFY_SECRET: z.string().optional(),
  GEMINIFLOW_NOTIFY_SLACK_URLS: z
    .string()
    .transform((s) => s.split(/[\s,]+/).filter(Boolean))
    .pipe(urlList)
    .optional(),
  GEMINIFLOW_CONSOLE_URL: httpUrl.optional(),
};

const optionsSchema = z.object({
  urls: urlList.default([]),
  secret: z.string().min(1).optional(),
  slackUrls: urlList.default([]),
  consoleUrl: httpUrl.optional(),
});

/**
 * Checks notification settings once, at start, naming the setting and never echoing a value: listeners without a
 * secret, or a secret that is not `whsec_` + base64. Undefined when nothing is configured.
 */
export function checkNotifyConfig(
  given: ApprovalNotifyOptions | undefined,
  names = optionNames,
): ApprovalNotifyConfig | undefined {
  if (!given) return undefined;
  const parsed = optionsSchema.safeParse(given);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (i) => `  - ${names[String(i.path[0]) as keyof ApprovalNotifyConfig] ?? i.path.join('.')}: ${i.message}`,
    );
    throw new SetupError(`invalid approval notification settings:\n${lines.join('\n')}`);
  }
  const config = parsed.data;
  if (config.urls.length && !config.secret) {
    throw new SetupError(`${names.urls} is set but ${names.secret} (a whsec_ secret to sign with) is not`);
  }
  if (config.secret) {
    try {
      new Webhook(config.secret);
    } catch {
      throw new SetupError(`${names.secret} is not a valid whsec_ base64 secret`);
    }
  }
  if (!config.urls.length && !config.slackUrls.length && !config.consoleUrl && !config.secret) return undefined;
  return {
    urls: config.urls,
    secret: config.secret,
    slackUrls: config.slackUrls,
    consoleUrl: config.consoleUrl?.replace(/\/+$/, ''),
  };
}

const optionNames: Record<keyof ApprovalNotifyConfig, string> = {
  urls: 'notify.urls',
  secret: 'notify.secret',
  slackUrls: 'notify.slackUrls',
  consoleUrl: 'notify.consoleUrl',
};

export const notifyEnvNames: Record<keyof ApprovalNotifyConfig, string> = {
  urls: 'GEMINIFLOW_NOTIFY_URLS',
  secret: 'GEMINIFLOW_NOTIFY_SECRET',
  slackUrls: 'GEMINIFLOW_NOTIFY_SLACK_URLS',
  consoleUrl: 'GEMINIFLOW_CONSOLE_URL',
};
