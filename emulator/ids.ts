import { createHash, randomBytes, randomUUID } from 'node:crypto';

const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Random lowercase alphanumerics, like Gemini's opaque ids. */
export function opaqueId(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[bytes[i] % alphabet.length];
  return out;
}

export const newWebhookResourceId = () => opaqueId(36);
export const newInteractionId = () => `v1_${opaqueId(32)}`;
export const newBatchId = () => opaqueId(24);
export const newFileId = () => opaqueId(12);
export const newUploadId = () => opaqueId(32);
/** Standard Webhooks message id, as seen on live deliveries. */
export const newMessageId = () => `msg_${randomUUID()}`;
/** `whsec_` + base64, the format `standardwebhooks` expects. */
export const newSigningSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/** A short stable hash, for ids that must follow from their inputs. */
export function shortHash(text: string, length = 8): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}
