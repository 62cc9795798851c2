import { GeminiApiError, invalidArgument } from './errors';
import type { RateLimit, RateLimitState } from './types';

/** Gemini's quota counts generation requests, not reads: what a limit applies to unless it names its methods. */
export const defaultRateLimitedMethods = [
  'interactions.create',
  'batches.create',
  'models.generateContent',
  'models.generateContentStream',
];

/**
 * A token bucket on the emulator clock: `perSecond` requests a second with bursts of `burst`, across every limited SDK
 * method together, as a project's quota is. A request over the rate is answered 429 RESOURCE_EXHAUSTED with the
 * `RetryInfo` detail and `Retry-After` header Gemini sends, saying when the next request would be admitted.
 */
export class RateLimiter {
  private limit: Required<RateLimit> | undefined;
  private tokens = 0;
  private refilledAt = 0;
  private limited = 0;

  constructor(
    private readonly now: () => number,
    initial?: RateLimit,
  ) {
    if (initial) this.set(initial);
  }

  set(limit: RateLimit | null): RateLimitState {
    if (limit === null) {
      this.limit = undefined;
      return this.state();
    }
    if (!(typeof limit?.perSecond === 'number' && limit.perSecond > 0)) {
      throw invalidArgument('a rate limit needs perSecond > 0');
    }
    const burst = limit.burst ?? Math.max(1, Math.ceil(limit.perSecond));
    if (!(Number.isInteger(burst) && burst >= 1))
      throw invalidArgument('a rate limit burst must be a positive integer');
    if (
      limit.sdkMethods !== undefined &&
      !(Array.isArray(limit.sdkMethods) && limit.sdkMethods.every((m) => typeof m === 'string'))
    ) {
      throw invalidArgument('sdkMethods must be a list of SDK method names');
    }
    this.limit = { perSecond: limit.perSecond, burst, sdkMethods: limit.sdkMethods ?? defaultRateLimitedMethods };
    this.tokens = burst;
    this.refilledAt = this.now();
    return this.state();
  }

  state(): RateLimitState {
    return {
      limit: this.limit ? { ...this.limit, sdkMethods: [...this.limit.sdkMethods] } : null,
      limited: this.limited,
    };
  }

  resetCount(): void {
    this.limited = 0;
  }

  /** Takes a token for the call, or returns the 429 to answer with. */
  admit(sdkMethod: string): GeminiApiError | undefined {
    const limit = this.limit;
    if (!limit?.sdkMethods.includes(sdkMethod)) return undefined;
    const now = this.now();
    this.tokens = Math.min(limit.burst, this.tokens + ((now - this.refilledAt) / 1000) * limit.perSecond);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return undefined;
    }
    this.limited++;
    const retryAfterS = Math.max(1, Math.ceil((1 - this.tokens) / limit.perSecond));
    return new GeminiApiError(
      429,
      `Resource has been exhausted (e.g. check quota): more than ${limit.perSecond} requests per second.`,
      'RESOURCE_EXHAUSTED',
      [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${retryAfterS}s` }],
      { 'retry-after': String(retryAfterS) },
    );
  }
}
