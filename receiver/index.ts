// geminiflow's receiver as a library: serve or mount createReceiver's request handler in your server, run
// startReceiver on its own port, or verify deliveries yourself with verifyGeminiWebhook.

export { mintRoutingToken, parseRoutingKeys, type RoutingKey, routingTokenField } from '../routing/token';
export { googleJwksUrl, receiverConfigFromEnv } from './config';
export { createReceiver, type GeminiReceiver } from './create-receiver';
export type { RequestHandler } from './http';
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
