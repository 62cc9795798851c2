import { isoOf } from './clock';
import type { Deliverer } from './delivery/deliverer';
import { pingEventType } from './events';
import { newMessageId } from './ids';
import type { DeliveryRecord, UserMetadataPlacement } from './types';
import type { Webhook, WebhookRegistry } from './webhooks';

/** A job's `webhook_config`, normalised from either spelling. */
export interface WebhookConfig {
  uris?: string[];
  userMetadata?: Record<string, unknown>;
}

export interface PublishOptions {
  placement: UserMetadataPlacement;
  echoUserMetadataToRegisteredWebhooks: boolean;
}

/**
 * Turns an event into deliveries: to the job's own `webhook_config.uris` when it has any (they replace the registered
 * webhooks for that job), otherwise to every enabled registered webhook subscribed to the type. One webhook-id per
 * event, shared by its targets, as Standard Webhooks message ids are.
 */
export class Publisher {
  constructor(
    private readonly now: () => number,
    private readonly registry: WebhookRegistry,
    private readonly deliverer: Deliverer,
    private readonly o: PublishOptions,
  ) {}

  publish(type: string, data: Record<string, unknown>, config?: WebhookConfig): DeliveryRecord[] {
    const webhookId = newMessageId();
    const timestamp = isoOf(this.now());
    const resourceId = String(data.id ?? '');
    const uris = config?.uris?.filter((u) => typeof u === 'string' && u !== '') ?? [];
    if (uris.length > 0) {
      const body = this.envelope(type, timestamp, data, config?.userMetadata);
      return uris.map((uri) =>
        this.deliverer.enqueue({ webhookId, eventType: type, resourceId, body, uri, target: { kind: 'dynamic' } }),
      );
    }
    const metadata = this.o.echoUserMetadataToRegisteredWebhooks ? config?.userMetadata : undefined;
    const body = this.envelope(type, timestamp, data, metadata);
    return this.registry
      .subscribers(type)
      .map((w) => this.deliverer.enqueue({ webhookId, eventType: type, resourceId, body, ...this.targetOf(w) }));
  }

  ping(w: Webhook): DeliveryRecord {
    const body = this.envelope(pingEventType, isoOf(this.now()), { id: w.id }, undefined);
    return this.deliverer.enqueue({
      webhookId: newMessageId(),
      eventType: pingEventType,
      resourceId: w.id,
      body,
      ...this.targetOf(w),
      ignoreWebhookState: true,
    });
  }

  private targetOf(w: Webhook) {
    return { uri: w.uri, target: { kind: 'registered' as const, webhookResourceId: w.id } };
  }

  private envelope(
    type: string,
    timestamp: string,
    data: Record<string, unknown>,
    userMetadata: Record<string, unknown> | undefined,
  ): string {
    const inData = userMetadata && this.o.placement !== 'top';
    const atTop = userMetadata && this.o.placement !== 'data';
    return JSON.stringify({
      type,
      version: 'v1',
      timestamp,
      data: inData ? { ...data, user_metadata: userMetadata } : data,
      ...(atTop ? { user_metadata: userMetadata } : {}),
    });
  }
}
