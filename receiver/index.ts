// geminiflow's receiver as a library: mount createReceiver in your server, run startReceiver on its own port, or
// verify deliveries yourself with verifyGeminiWebhook.
export { createReceiver, type GeminiReceiver } from './create-receiver';
export { startReceiver, type RunningReceiver } from './server';
export type { ReceiverOptions } from './options';
export { receiverConfigFromEnv, googleJwksUrl } from './config';
export { ReceiverOptionsError } from './option-errors';
export type { DeliveryResult } from './delivery-result';
export type { RequestHandler } from './app';
export {
  verifyGeminiWebhook,
  WebhookVerifier,
  type HeaderInput,
  type VerifiedSender,
  type VerifiedWebhook,
  type WebhookKeys,
  type WebhookRefusal,
} from './verify';
export { parseRoutingKeys, mintRoutingToken, routingTokenField, type RoutingKey } from '../routing/token';
