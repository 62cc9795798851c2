import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../common/paths';
import { freePort } from '../../testing/dev-server';
import { eventually } from './eventually';
import { killChild } from './processes';

/** A span as Zipkin's v2 API returns it. */
export interface ZipkinSpan {
  traceId: string;
  id: string;
  parentId?: string;
  name?: string;
  kind?: string;
  timestamp?: number;
  duration?: number;
  localEndpoint?: { serviceName?: string };
  tags?: Record<string, string>;
  annotations?: { timestamp: number; value: string }[];
}

export interface RunningZipkin {
  url: string;
  /** Where spans go: what OTEL_EXPORTER_ZIPKIN_ENDPOINT names. */
  spansUrl: string;
  trace(traceId: string): Promise<ZipkinSpan[]>;
  /** Trace ids of the traces with a span tagged `key=value`. */
  traceIdsTagged(key: string, value: string): Promise<string[]>;
  stop(): Promise<void>;
}

/**
 * The Zipkin server (scripts/install-zipkin.sh fetches it into .tools/ once), on a free loopback port with in-memory
 * storage: a real trace backend with an API to assert on and a UI to look at.
 */
export async function startZipkin(): Promise<RunningZipkin> {
  const install = spawnSync('bash', [path.join(projectRoot, 'scripts', 'install-zipkin.sh')], { encoding: 'utf8' });
  if (install.status !== 0) throw new Error(`Zipkin is not available: ${install.stderr.trim().slice(-1000)}`);
  const jar = install.stdout.trim().split('\n').pop()!;
  const port = await freePort();
  let log = '';
  const child: ChildProcess = spawn(
    'java',
    [
      '-Xmx384m',
      '-XX:TieredStopAtLevel=1',
      '-jar',
      jar,
      `--armeria.ports[0].port=${port}`,
      '--armeria.ports[0].ip=127.0.0.1',
      '--armeria.ports[0].protocols=http',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const keep = (d: Buffer) => (log = (log + d.toString()).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const getJson = async <T>(p: string): Promise<T> => {
    const res = await fetch(`${url}${p}`);
    if (!res.ok) throw new Error(`Zipkin ${p}: HTTP ${res.status}`);
    return (await res.json()) as T;
  };
  try {
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`Zipkin exited (${child.exitCode}):\n${log}`);
        return (await fetch(`${url}/health`).catch(() => undefined))?.ok || undefined;
      },
      'Zipkin to answer /health',
      180_000,
    );
  } catch (err) {
    await killChild(child);
    throw err;
  }
  return {
    url,
    spansUrl: `${url}/api/v2/spans`,
    trace: (traceId) => getJson<ZipkinSpan[]>(`/api/v2/trace/${traceId}`),
    async traceIdsTagged(key, value) {
      const query = new URLSearchParams({ annotationQuery: `${key}=${value}`, limit: '10', lookback: '3600000' });
      const traces = await getJson<ZipkinSpan[][]>(`/api/v2/traces?${query}`);
      return [...new Set(traces.map((t) => t[0]!.traceId))];
    },
    stop: () => killChild(child),
  };
}
