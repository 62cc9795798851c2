/**
 * Gemini documents "exponential backoff for 24 hours" without a schedule; this one is the emulator's choice, with no
 * jitter so tests can predict every attempt.
 */
export const retryPolicy = {
  firstDelayMs: 5_000,
  factor: 2,
  maxDelayMs: 3_600_000,
  windowMs: 24 * 3_600_000,
};

/** Wait before the next attempt after `failedAttempts` failures (1-based). */
export function retryDelayMs(failedAttempts: number): number {
  return Math.min(retryPolicy.maxDelayMs, retryPolicy.firstDelayMs * retryPolicy.factor ** (failedAttempts - 1));
}
