import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../common/paths';
import { freePort } from '../../testing/dev-server';
import { eventually } from './eventually';

/** A span as Jaeger's query API (`/api/traces`) returns it, with its references, tags and process resolved. */
export interface JaegerSpan {
  traceId: string;
  id: string;
  /** The CHILD_OF reference: the span's parent. */
  parentId?: string;
  /** FOLLOWS_FROM references: the span's OpenTelemetry links. */
  links: { traceId: string; spanId: string }[];
  name: string;
  service: string;
  /** `server`, `client`, `producer`, `consumer`; undefined for internal spans. */
  kind?: string;
  /** Microseconds since the epoch, and the span's length in microseconds. */
  start: number;
  duration: number;
  tags: Record<string, string>;
  /** The names of the span's events (Jaeger's logs). */
  events: string[];
  /** What Jaeger found wrong with the span (an unknown parent, clock skew it could not fix). */
  warnings: string[];
}

export interface RunningJaeger {
  /** The query service: its HTTP API, and the UI's placeholder page. */
  url: string;
  /** The OTLP receivers: what OTEL_EXPORTER_OTLP_ENDPOINT names for each protocol. */
  otlpHttpUrl: string;
  otlpGrpcUrl: string;
  /** The services that have sent spans. */
  services(): Promise<string[]>;
  /** Every span of a trace, or none while Jaeger has not seen it. */
  trace(traceId: string): Promise<JaegerSpan[]>;
  /**
   * Ids of the traces with a span of `service` (named `operation`, when given) tagged with every `tags` entry: Jaeger's
   * search, `/api/traces?service=...`.
   */
  traceIds(service: string, tags: Record<string, string>, operation?: string): Promise<string[]>;
  stop(): Promise<void>;
}

/** Jaeger's query API as JSON: spans with typed tags and references, processes by id. */
interface ApiTrace {
  traceID: string;
  spans: {
    traceID: string;
    spanID: string;
    operationName: string;
    references?: { refType: 'CHILD_OF' | 'FOLLOWS_FROM'; traceID: string; spanID: string }[];
    startTime: number;
    duration: number;
    tags?: { key: string; value: unknown }[];
    logs?: { fields: { key: string; value: unknown }[] }[];
    processID: string;
    warnings?: string[] | null;
  }[];
  processes: Record<string, { serviceName: string }>;
}

/**
 * Jaeger's all-in-one binary (built from its Go module into .tools/ once by scripts/install-jaeger.sh) with in-memory
 * storage, every listener it opens named in its configuration on a free loopback port: the OTLP gRPC and HTTP
 * receivers, the query service's HTTP API and gRPC API, and the health check; its own metrics, its own tracing and
 * every other receiver and extension are left out. A real OTLP backend with a query API to assert on.
 *
 * It stays in the test file's process group (not detached), so if the test process dies the runner's leftover check
 * stops it too; it starts no process of its own.
 */
export async function startJaeger(): Promise<RunningJaeger> {
  const install = spawnSync('bash', [path.join(projectRoot, 'scripts', 'install-jaeger.sh')], { encoding: 'utf8' });
  if (install.status !== 0) throw new Error(`Jaeger is not available: ${install.stderr.trim().slice(-1000)}`);
  const binary = install.stdout.trim().split('\n').pop()!;
  // A port freed by freePort can be taken by another process before Jaeger binds it: then Jaeger exits, and is
  // started again on other ports.
  for (let attempt = 1; ; attempt++) {
    const started = await startOnFreePorts(binary);
    if ('jaeger' in started) return started.jaeger;
    if (!started.portTaken || attempt === 3) throw new Error(started.failure);
  }
}

async function startOnFreePorts(
  binary: string,
): Promise<{ jaeger: RunningJaeger } | { failure: string; portTaken: boolean }> {
  const [query, queryGrpc, health, otlpGrpc, otlpHttp] = await distinctFreePorts(5);
  const at = (port: number) => `127.0.0.1:${port}`;
  const storage = 'memory_store';
  // Collector configuration as JSON, which its YAML provider reads as it is.
  const config = {
    service: {
      extensions: ['jaeger_storage', 'jaeger_query', 'healthcheckv2'],
      pipelines: {
        traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['jaeger_storage_exporter'] },
      },
      // No metrics endpoint (it would listen on 8888).
      telemetry: { metrics: { level: 'none' }, logs: { level: 'info' } },
    },
    extensions: {
      jaeger_storage: { backends: { [storage]: { memory: { max_traces: 10_000 } } } },
      jaeger_query: {
        storage: { traces: storage },
        // Its own spans would go to the OTLP endpoint in its environment, not into this test's traces.
        enable_tracing: false,
        http: { endpoint: at(query) },
        grpc: { endpoint: at(queryGrpc) },
      },
      healthcheckv2: { use_v2: true, http: { endpoint: at(health) } },
    },
    receivers: { otlp: { protocols: { grpc: { endpoint: at(otlpGrpc) }, http: { endpoint: at(otlpHttp) } } } },
    processors: { batch: {} },
    exporters: { jaeger_storage_exporter: { trace_storage: storage } },
  };
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_')));
  const child: ChildProcess = spawn(binary, [`--config=yaml:${JSON.stringify(config)}`], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (d: Buffer) => (log = (log + d.toString()).slice(-6000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`Jaeger exited (${child.exitCode}):\n${log}`);
        const res = await fetch(`http://${at(health)}/status`).catch(() => undefined);
        return (res?.ok && ((await res.json()) as { healthy?: boolean }).healthy) || undefined;
      },
      'Jaeger to report healthy',
      120_000,
    );
  } catch (err) {
    await stop();
    return { failure: (err as Error).message, portTaken: /address already in use/.test(log) };
  }

  const url = `http://${at(query)}`;
  const getJson = async <T>(p: string): Promise<T> => {
    const res = await fetch(`${url}${p}`);
    if (!res.ok) throw new Error(`Jaeger ${p}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
    return (await res.json()) as T;
  };
  return {
    jaeger: {
      url,
      otlpHttpUrl: `http://${at(otlpHttp)}`,
      otlpGrpcUrl: `http://${at(otlpGrpc)}`,
      services: async () => (await getJson<{ data: string[] | null }>('/api/services')).data ?? [],
      async trace(traceId) {
        const res = await fetch(`${url}/api/traces/${traceId}`);
        if (res.status === 404) return [];
        if (!res.ok) throw new Error(`Jaeger /api/traces/${traceId}: HTTP ${res.status}`);
        const { data } = (await res.json()) as { data: ApiTrace[] };
        return data.flatMap(spansOf);
      },
      async traceIds(service, tags, operation) {
        const now = Date.now() * 1000;
        const query = new URLSearchParams({
          service,
          ...(operation ? { operation } : {}),
          tags: JSON.stringify(tags),
          start: String(now - 3_600_000_000),
          end: String(now + 60_000_000),
          limit: '20',
        });
        const { data } = await getJson<{ data: ApiTrace[] | null }>(`/api/traces?${query}`);
        return [...new Set((data ?? []).map((t) => traceIdOf(t.traceID)))];
      },
      stop,
    },
  };
}

/** Jaeger prints a trace id without its leading zeros; OpenTelemetry's are 32 hex digits. */
const traceIdOf = (id: string) => id.padStart(32, '0');

function spansOf(trace: ApiTrace): JaegerSpan[] {
  return trace.spans.map((s) => {
    const tags = Object.fromEntries((s.tags ?? []).map((t) => [t.key, String(t.value)]));
    const refs = s.references ?? [];
    const parent = refs.find((r) => r.refType === 'CHILD_OF');
    return {
      traceId: traceIdOf(s.traceID),
      id: s.spanID,
      parentId: parent?.spanID,
      links: refs
        .filter((r) => r !== parent && r.refType === 'FOLLOWS_FROM')
        .map((r) => ({ traceId: traceIdOf(r.traceID), spanId: r.spanID })),
      name: s.operationName,
      service: trace.processes[s.processID]?.serviceName ?? '',
      kind: tags['span.kind'],
      start: s.startTime,
      duration: s.duration,
      tags,
      events: (s.logs ?? []).map((l) => String(l.fields.find((f) => f.key === 'event')?.value ?? '')),
      warnings: s.warnings ?? [],
    };
  });
}

/** `count` free loopback ports, none the same (a port freed by one call can come back from the next). */
async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
