import http from 'node:http';
import { cpuMs } from './processes';
import { percentiles } from './stats';

/** One measured phase: operations per second, latency, failures by cause, and CPU per operation of watched pids. */
export interface Phase {
  perSec: number;
  p50: number;
  p99: number;
  failures: number;
  failedBy: Map<string, number>;
  /** CPU ms per operation of each watched process, in the order given. */
  cpu: (number | undefined)[];
}

/** Runs `n` operations with bounded concurrency, stopping at `limitMs`. `op` resolves true or says why it failed. */
export async function measure(
  concurrency: number,
  n: number,
  op: (i: number) => Promise<true | string>,
  watched: (number | undefined)[] = [],
  limitMs = 60_000,
): Promise<Phase> {
  const cpuBefore = watched.map(cpuMs);
  const latencies: number[] = [];
  const failedBy = new Map<string, number>();
  let next = 0;
  let ok = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n && performance.now() < started + limitMs) {
        const i = next++;
        const t = performance.now();
        const outcome = await op(i);
        latencies.push(performance.now() - t);
        if (outcome === true) ok++;
        else {
          failures++;
          failedBy.set(outcome, (failedBy.get(outcome) ?? 0) + 1);
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const done = ok + failures;
  const cpu = watched.map((pid, i) => {
    const [before, after] = [cpuBefore[i], cpuMs(pid)];
    return before === undefined || after === undefined || done === 0 ? undefined : (after - before) / done;
  });
  const { p50, p99 } = percentiles(latencies);
  return { perSec: ok / seconds, p50, p99, failures, failedBy, cpu };
}

/** POSTs a body and resolves with the HTTP status (0 on a network error). */
export function post(agent: http.Agent, url: URL, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(body);
  });
}
