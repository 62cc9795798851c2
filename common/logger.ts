import pino, { type Logger } from 'pino';

/**
 * Redaction is a second line of defence: code never logs secrets or bodies, but a stray header object must not leak an
 * API key or a signing secret either.
 */
const options: pino.LoggerOptions = {
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
};

/** One structured logger for every process. */
export const logger = pino(options);

/**
 * The same logger for a process that logs on its hot path (the receiver logs every delivery): lines leave in writes
 * of 4 KiB or every 200 ms, whichever comes first, instead of one write per line, and whatever is left at exit is
 * written then. A process killed outright loses at most those 200 ms of lines.
 */
export function bufferedLogger(): Logger {
  return pino(options, pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 200 }));
}
