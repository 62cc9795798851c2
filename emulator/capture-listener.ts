import { listen } from '../common/listen';

export interface CapturedRequest {
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: string;
  path: string;
  /** The status this listener answered. */
  answered: number;
}

export interface CaptureListener {
  url: string;
  received: CapturedRequest[];
  /** Requests answered so far (also when `keep` is false). */
  readonly count: number;
  /** Status to answer from now on (default 204). */
  setStatus(status: number): void;
  /** Resolves once `count` requests have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<CapturedRequest[]>;
  close(): Promise<void>;
}

/**
 * A fast local webhook endpoint that records what it gets, for tests and benchmarks. `keep: false` counts without
 * storing bodies (benchmarks); `respond` picks the status per request (e.g. a verifying receiver), else `status`.
 */
export async function startCaptureListener(
  opts: { status?: number; keep?: boolean; respond?: (req: CapturedRequest) => number | undefined } = {},
): Promise<CaptureListener> {
  let status = opts.status ?? 204;
  const keep = opts.keep ?? true;
  const received: CapturedRequest[] = [];
  let count = 0;
  const waiters = new Set<{ n: number; resolve: () => void }>();
  const { server, url, close } = await listen(
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let answered = status;
        if (keep || opts.respond) {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
          const captured = { headers, body: Buffer.concat(chunks).toString('utf8'), path: req.url ?? '/', answered };
          captured.answered = answered = opts.respond?.(captured) ?? status;
          if (keep) received.push(captured);
        }
        count += 1;
        res.statusCode = answered;
        res.end();
        for (const w of waiters) if (count >= w.n) w.resolve();
      });
    },
    { what: 'capture listener' },
  );
  server.keepAliveTimeout = 60_000;
  return {
    url: `${url}/hook`,
    received,
    setStatus(s) {
      status = s;
    },
    get count() {
      return count;
    },
    waitFor(n, timeoutMs = 10_000) {
      if (count >= n) return Promise.resolve(received);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`listener got ${count} of ${n} requests in ${timeoutMs} ms`));
        }, timeoutMs);
        const w = {
          n,
          resolve: () => {
            clearTimeout(timer);
            waiters.delete(w);
            resolve(received);
          },
        };
        waiters.add(w);
      });
    },
    close: () => close(),
  };
}
