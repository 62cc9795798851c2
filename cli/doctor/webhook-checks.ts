import { setTimeout as sleep } from 'node:timers/promises';
import type { GoogleGenAI } from '@google/genai';
import { webhookEventTypes } from '../../contract';
import { callGemini } from '../gemini';
import { oneLine } from '../output';
import { type CheckResult, type DoctorSettings, fail, ok, skip } from './check';
import { readReceiverStatus } from './receiver-checks';

type Webhook = Awaited<ReturnType<GoogleGenAI['webhooks']['get']>>;

async function findWebhook(ai: GoogleGenAI, uri: string): Promise<Webhook | undefined> {
  let page_token: string | undefined;
  do {
    const page = await callGemini('listing webhooks', () =>
      ai.webhooks.list({ page_size: 100, ...(page_token ? { page_token } : {}) }),
    );
    const match = page.webhooks?.find((w) => w.uri === uri);
    if (match) return match;
    page_token = page.next_page_token || undefined;
  } while (page_token);
  return undefined;
}

/**
 * The registered webhook for the receiver's public URL: it exists, is enabled, is subscribed to the events, and a ping
 * Gemini sends to it reaches the receiver (seen in the receiver's count of verified pings).
 */
export async function checkRegisteredWebhook(ai: GoogleGenAI, s: DoctorSettings): Promise<CheckResult[]> {
  const url = s.webhookUrl;
  if (!url)
    return [skip('registered webhook', 'no public URL to look for', 'set RECEIVER_PUBLIC_URL (or --webhook-url)')];
  let webhook: Webhook | undefined;
  try {
    webhook = await findWebhook(ai, url);
  } catch (err) {
    return [fail('registered webhook', oneLine(err), 'check GEMINI_API_KEY (or GEMINI_EMULATOR_URL)')];
  }
  if (!webhook) {
    const required = /^(1|true|yes)$/i.test(s.env.GEMINIFLOW_ENSURE_WEBHOOK ?? '');
    const fix = `geminiflow webhooks create ${url}`;
    return [
      required
        ? fail('registered webhook', `none for ${url}`, fix)
        : skip('registered webhook', `none for ${url} (per-request webhooks only)`, fix),
    ];
  }
  const results: CheckResult[] = [];
  const missing = webhookEventTypes.filter((t) => !t.endsWith('.cancelled') && !webhook.subscribed_events?.includes(t));
  if (webhook.state !== 'enabled') {
    results.push(
      fail(
        'registered webhook',
        `${webhook.id} for ${url} is ${webhook.state ?? 'in an unknown state'}: Gemini sends it nothing`,
        `fix what made deliveries fail (see the receiver's log), then: geminiflow webhooks enable ${webhook.id}`,
      ),
    );
  } else if (missing.length) {
    results.push(
      fail(
        'registered webhook',
        `${webhook.id} is not subscribed to ${missing.join(', ')}`,
        `geminiflow webhooks delete ${webhook.id}, then geminiflow webhooks create ${url}`,
      ),
    );
  } else {
    results.push(
      ok(
        'registered webhook',
        `${webhook.id} for ${url} is enabled, subscribed to ${webhook.subscribed_events?.length} event types`,
      ),
    );
  }
  results.push(await checkPing(ai, webhook.id!, s));
  return results;
}

async function checkPing(ai: GoogleGenAI, id: string, s: DoctorSettings): Promise<CheckResult> {
  const before = await readReceiverStatus(s);
  if (!before || 'error' in before) {
    return skip(
      'webhook ping',
      "the receiver's status is unreadable, so a ping's arrival cannot be seen",
      'set GEMINIFLOW_RECEIVER_OPS_URL',
    );
  }
  try {
    await callGemini(`pinging ${id}`, () => ai.webhooks.ping(id));
  } catch (err) {
    return fail('webhook ping', oneLine(err), 'check the webhook with geminiflow webhooks list');
  }
  const started = Date.now();
  while (Date.now() - started < s.pingTimeoutMs) {
    await sleep(250);
    const now = await readReceiverStatus(s);
    if (now && !('error' in now) && now.pingsReceived > before.pingsReceived) {
      return ok('webhook ping', `Gemini's ping reached the receiver through ${s.webhookUrl} and verified`);
    }
  }
  return fail(
    'webhook ping',
    `no verified ping reached the receiver within ${s.pingTimeoutMs} ms`,
    `check that ${s.webhookUrl} reaches this receiver from the internet and that its GEMINI_WEBHOOK_SECRETS holds the webhook's secret (rotate: geminiflow webhooks rotate ${id})`,
  );
}
