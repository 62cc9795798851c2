import http from 'node:http';
import https from 'node:https';
import type { AttemptOutcome } from '../types';

export type PostResult =
  | { ok: boolean; statusCode: number }
  | { ok: false; error: 'timeout' | 'network'; message: string };

/** How an attempt that was sent ended, as inspection reports it. */
export function outcomeOf(result: PostResult): Exclude<AttemptOutcome, 'injected_failure'> {
  if (result.ok) return 'success';
  if ('statusCode' in result) return 'http_error';
  return result.error === 'timeout' ? 'timeout' : 'network_error';
}

// Keep-alive pools: a listener receiving thousands of deliveries should not pay a TCP handshake for each.
const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 256 });

export interface DeliveryTarget {
  secure: boolean;
  options: http.RequestOptions;
}

/** Parses a delivery URI once; retries and duplicates reuse the result. */
export function deliveryTarget(uri: string): DeliveryTarget | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const secure = url.protocol === 'https:';
  return {
    secure,
    options: {
      method: 'POST',
      hostname: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port || (secure ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      agent: secure ? httpsAgent : httpAgent,
    },
  };
}

/** POSTs one delivery; never throws. */
export function postDelivery(
  target: DeliveryTarget | undefined,
  body: Buffer,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<PostResult> {
  if (!target) return Promise.resolve({ ok: false, error: 'network', message: 'invalid delivery URI' });
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const req = (target.secure ? https : http).request(
      { ...target.options, headers: { ...headers, 'content-length': String(body.length) } },
      (res) => {
        res.resume();
        res.on('end', () => {
          const statusCode = res.statusCode ?? 0;
          finish({ ok: statusCode >= 200 && statusCode < 300, statusCode });
        });
        res.on('error', (err) => finish({ ok: false, error: 'network', message: err.message }));
      },
    );
    const timer = setTimeout(() => {
      finish({ ok: false, error: 'timeout', message: `no response within ${timeoutMs} ms` });
      req.destroy();
    }, timeoutMs);
    req.on('error', (err) => finish({ ok: false, error: 'network', message: err.message }));
    req.end(body);
  });
}
