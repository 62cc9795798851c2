import { isoOf } from './clock';
import { hmacKeyOf } from './delivery/sign';
import { failedPrecondition, invalidArgument, notFound } from './errors';
import { eventTypes } from './events';
import { field, isRecord } from './fields';
import { newSigningSecret, newWebhookResourceId } from './ids';
import { pageOf } from './paging';

export type WebhookState = 'enabled' | 'disabled' | 'disabled_due_to_failed_deliveries';
const webhookStates: WebhookState[] = ['enabled', 'disabled', 'disabled_due_to_failed_deliveries'];
const secretGraceMs = 24 * 3_600_000;

interface SigningSecret {
  secret: string;
  key: Buffer;
  /** Unset while current; set when a rotation schedules its revocation. */
  expireAt?: number;
}

export interface Webhook {
  id: string;
  name?: string;
  uri: string;
  subscribedEvents: string[];
  state: WebhookState;
  createTime: number;
  updateTime: number;
  /** Newest first. */
  secrets: SigningSecret[];
  consecutiveFailures: number;
}

/** Registered webhooks (`ai.webhooks.*`), their signing secrets and their automatic disabling. */
export class WebhookRegistry {
  private readonly webhooks = new Map<string, Webhook>();

  constructor(
    private readonly now: () => number,
    private readonly disableAfterFailedAttempts: number,
  ) {}

  create(body: unknown): { webhook: Webhook; secret: string } {
    if (!isRecord(body)) throw invalidArgument('Request body must be a JSON object.');
    const uri = parseUri(field(body, 'uri'));
    const subscribedEvents = parseEvents(field(body, 'subscribed_events'));
    const name = field<unknown>(body, 'name');
    if (name !== undefined && typeof name !== 'string') throw invalidArgument('name must be a string.');
    const now = this.now();
    const secret = newSigningSecret();
    const webhook: Webhook = {
      id: newWebhookResourceId(),
      name: name as string | undefined,
      uri,
      subscribedEvents,
      state: 'enabled',
      createTime: now,
      updateTime: now,
      secrets: [{ secret, key: hmacKeyOf(secret) }],
      consecutiveFailures: 0,
    };
    this.webhooks.set(webhook.id, webhook);
    return { webhook, secret };
  }

  get(id: string): Webhook {
    const w = this.webhooks.get(id);
    if (!w) throw notFound(`Webhook ${id} not found.`);
    return w;
  }

  find(id: string): Webhook | undefined {
    return this.webhooks.get(id);
  }

  list(pageSize: number | undefined, pageToken: string | undefined): { webhooks: Webhook[]; nextPageToken?: string } {
    const { items, nextPageToken } = pageOf([...this.webhooks.values()], pageSize, pageToken, {
      defaultSize: 50,
      maxSize: 1000,
      tokenName: 'page_token',
    });
    return { webhooks: items, nextPageToken };
  }

  update(id: string, body: unknown, updateMask: string | undefined): Webhook {
    const w = this.get(id);
    if (!isRecord(body)) throw invalidArgument('Request body must be a JSON object.');
    const mask = updateMask
      ? updateMask.split(',').map((s) => s.trim().replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`))
      : undefined;
    const wants = (f: string) => (mask ? mask.includes(f) : field(body, f) !== undefined);
    for (const f of mask ?? []) {
      if (!['name', 'uri', 'subscribed_events', 'state'].includes(f))
        throw invalidArgument(`Cannot update field ${f}.`);
    }
    if (wants('uri')) w.uri = parseUri(field(body, 'uri'));
    if (wants('subscribed_events')) w.subscribedEvents = parseEvents(field(body, 'subscribed_events'));
    if (wants('name')) w.name = field<string>(body, 'name');
    if (wants('state')) {
      const state = field<string>(body, 'state');
      if (!webhookStates.includes(state as WebhookState)) {
        throw invalidArgument(`state must be one of ${webhookStates.join(', ')}.`);
      }
      w.state = state as WebhookState;
      if (w.state === 'enabled') w.consecutiveFailures = 0;
    }
    w.updateTime = this.now();
    return w;
  }

  delete(id: string): void {
    this.get(id);
    this.webhooks.delete(id);
  }

  rotate(id: string, behavior: unknown): string {
    const w = this.get(id);
    const b = behavior === undefined ? 'revoke_previous_secrets_after_h24' : String(behavior).toLowerCase();
    const now = this.now();
    if (b === 'revoke_previous_secrets_immediately') {
      w.secrets = [];
    } else if (b === 'revoke_previous_secrets_after_h24') {
      w.secrets = this.liveSecrets(w);
      for (const s of w.secrets) s.expireAt ??= now + secretGraceMs;
    } else {
      throw invalidArgument(
        'revocation_behavior must be revoke_previous_secrets_after_h24 or revoke_previous_secrets_immediately.',
      );
    }
    const secret = newSigningSecret();
    w.secrets.unshift({ secret, key: hmacKeyOf(secret) });
    w.updateTime = now;
    return secret;
  }

  /** HMAC keys of every unexpired secret, newest first: each becomes one `v1,` entry. */
  signingKeys(w: Webhook): Buffer[] {
    return this.liveSecrets(w).map((s) => s.key);
  }

  private liveSecrets(w: Webhook): SigningSecret[] {
    const now = this.now();
    return w.secrets.filter((s) => s.expireAt === undefined || s.expireAt > now);
  }

  subscribers(eventType: string): Webhook[] {
    return [...this.webhooks.values()].filter((w) => w.state === 'enabled' && w.subscribedEvents.includes(eventType));
  }

  /** Counts an attempt's outcome; returns true when this failure disabled the webhook. */
  noteAttempt(id: string, ok: boolean): boolean {
    const w = this.webhooks.get(id);
    if (!w) return false;
    if (ok) {
      w.consecutiveFailures = 0;
      return false;
    }
    w.consecutiveFailures += 1;
    if (w.state === 'enabled' && w.consecutiveFailures >= this.disableAfterFailedAttempts) {
      w.state = 'disabled_due_to_failed_deliveries';
      w.updateTime = this.now();
      return true;
    }
    return false;
  }

  assertPingable(id: string): Webhook {
    const w = this.get(id);
    if (this.signingKeys(w).length === 0) throw failedPrecondition(`Webhook ${id} has no valid signing secret.`);
    return w;
  }

  toJson(w: Webhook, newSecret?: string): Record<string, unknown> {
    return {
      id: w.id,
      ...(w.name !== undefined ? { name: w.name } : {}),
      uri: w.uri,
      subscribed_events: w.subscribedEvents,
      state: w.state,
      create_time: isoOf(w.createTime),
      update_time: isoOf(w.updateTime),
      signing_secrets: this.liveSecrets(w).map((s) => ({
        truncated_secret: `whsec_...${s.secret.replace(/=+$/, '').slice(-4)}`,
        ...(s.expireAt !== undefined ? { expire_time: isoOf(s.expireAt) } : {}),
      })),
      ...(newSecret ? { new_signing_secret: newSecret } : {}),
    };
  }

  clear(): void {
    this.webhooks.clear();
  }
}

function parseUri(value: unknown): string {
  if (typeof value !== 'string' || value === '') throw invalidArgument('uri is required.');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidArgument(`uri is not a valid URL: ${value}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidArgument('uri must be an http(s) URL.');
  return value;
}

function parseEvents(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) throw invalidArgument('subscribed_events must be a non-empty list.');
  for (const e of value) {
    if (!(eventTypes as readonly unknown[]).includes(e)) {
      throw invalidArgument(`Unknown event ${JSON.stringify(e)}; expected one of ${eventTypes.join(', ')}.`);
    }
  }
  return [...new Set(value as string[])];
}
