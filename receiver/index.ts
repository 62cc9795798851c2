/**
 * geminiflow/receiver: serve or mount createReceiver's request handler in your server, run startReceiver on its own
 * port, or verify deliveries yourself with verifyGeminiWebhook. Its exports are listed one by one and recorded in
 * docs/api/receiver.api.md.
 *
 * @packageDocumentation
 */

export { SetupError } from '../common/errors';
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
} from './verify';
