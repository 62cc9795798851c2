/** geminiflow/receiver: the webhook receiver, to run as is or mount in your own HTTP server. */
export { startReceiver, type ReceiverOptions, type RunningReceiver } from './server';
export { receiverConfigFromEnv } from './config';
