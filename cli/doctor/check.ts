/** One line of `geminiflow doctor`: what was checked, how it went, and what to do when it failed. */
export interface CheckResult {
  check: string;
  status: 'ok' | 'fail' | 'skip';
  detail: string;
  /** What to do about a failure (or to make a skipped check run). */
  fix?: string;
}

export const ok = (check: string, detail: string): CheckResult => ({ check, status: 'ok', detail });
export const fail = (check: string, detail: string, fix: string): CheckResult => ({
  check,
  status: 'fail',
  detail,
  fix,
});
export const skip = (check: string, detail: string, fix?: string): CheckResult => ({
  check,
  status: 'skip',
  detail,
  ...(fix ? { fix } : {}),
});

/** Everything the checks read: the deployment's environment and the command's options. */
export interface DoctorSettings {
  env: NodeJS.ProcessEnv;
  /** The receiver's operations listener (`/status`), and the bearer token when it is served on the public port. */
  receiverOps?: string;
  receiverOpsToken?: string;
  /** The receiver's public URL: where Gemini posts, and the registered webhook's URL. */
  webhookUrl?: string;
  pingTimeoutMs: number;
}

/** A fetch that gives up after `ms` and reads JSON. */
export async function fetchJson(url: string, ms: number, headers: Record<string, string> = {}): Promise<unknown> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(ms) });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.json();
}

/** A fetch error's cause (ECONNREFUSED, a timeout) is what a person needs; undici's message alone says "fetch failed". */
export function reasonOf(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return 'no answer in time';
  return e.cause?.code ?? e.cause?.message ?? e.message;
}
