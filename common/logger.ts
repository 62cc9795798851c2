import pino from 'pino';

/**
 * One structured logger for every process. Redaction is a second line of defence: code never logs secrets or bodies,
 * but a stray header object must not leak an API key or a signing secret either.
 */
export const logger = pino({
  level: process.env.LOG_LEVEL ?? 'info',
  redact: {
    paths: [
      '*.apiKey',
      '*.secret',
      '*.secrets',
      '*.signingSecret',
      '*.routingKey',
      '*.routingKeys',
      '*["x-goog-api-key"]',
      '*.headers["x-goog-api-key"]',
      '*.headers.authorization',
      'apiKey',
      'secret',
      'secrets',
    ],
    censor: '[redacted]',
  },
});
