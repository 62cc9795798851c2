// A run's timeline: its stages on a time axis, read from the histories Temporal keeps for every run.

export { buildTimeline, type HistorySource, type TimelineLimits, TimelineNotFoundError } from './build';
export { describeDuration } from './durations';
export { type FlatRow, flattenTimeline, type TimelineMoment, timelineMoments } from './moments';
export { temporalHistories } from './temporal-histories';
export type * from './types';
export { describeUsage, type TimelineUsage } from './usage';
