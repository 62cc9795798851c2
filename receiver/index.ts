// geminiflow's receiver as a library: mount createReceiver in your server, run startReceiver on its own port, or
// verify deliveries yourself with verifyGeminiWebhook.

export { mintRoutingToken, parseRoutingKeys, type RoutingKey, routingTokenField } from '../routing/token';
export type { RequestHandler } from './app';
export { googleJwksUrl, receiverConfigFromEnv } from './config';
export { createReceiver, type GeminiReceiver } from './create-receiver';
export type { DeliveryResult } from './delivery-result';
export { ReceiverOptionsError } from './option-errors';
export type { ReceiverOptions } from './options';
export { type RunningReceiver, startReceiver } from './server';
export {
  type HeaderInput,
  type VerifiedSender,
  type VerifiedWebhook,
  verifyGeminiWebhook,
  type WebhookKeys,
  type WebhookRefusal,
  WebhookVerifier,
} from './verify';
