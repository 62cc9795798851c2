import type { CallCount } from './types';

/** API calls per SDK method, for the polling-versus-webhooks comparison. */
export class CallCounter {
  private counts = new Map<string, number>();

  note(sdkMethod: string): void {
    this.counts.set(sdkMethod, (this.counts.get(sdkMethod) ?? 0) + 1);
  }

  snapshot(): CallCount {
    const bySdkMethod = Object.fromEntries(this.counts);
    return { bySdkMethod, total: [...this.counts.values()].reduce((a, b) => a + b, 0) };
  }

  clear(): void {
    this.counts.clear();
  }
}
