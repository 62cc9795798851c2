/** A duration for people, as precise as it is short: `36 ms`, `1.52 s`, `14.2 s`, `2 min 5 s`, `3 h 12 min`, `2 d 4 h`. */
export function describeDuration(ms: number): string {
  const t = Math.max(0, Math.round(ms));
  if (t < 1000) return `${t} ms`;
  if (t < 10_000) return `${(t / 1000).toFixed(2)} s`;
  if (t < 60_000) return `${(t / 1000).toFixed(1)} s`;
  const s = Math.floor(t / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const m = Math.floor(s / 60);
  if (m < 24 * 60) return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`;
  const h = Math.floor(m / 60);
  return `${Math.floor(h / 24)} d${h % 24 ? ` ${h % 24} h` : ''}`;
}

export const iso = (ms: number): string => new Date(ms).toISOString();

/** The latest of ISO times (they sort as text). */
export const latest = (times: string[]): string | undefined => [...times].sort().at(-1);
