import type { Duration } from '@temporalio/common';
import ms from 'ms';

/** Milliseconds of a Temporal Duration ('2 minutes', '1 day', or a number of ms). */
export function durationMs(duration: Duration): number {
  return typeof duration === 'number' ? duration : ms(duration);
}
