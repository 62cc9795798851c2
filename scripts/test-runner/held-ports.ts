import net from 'node:net';
import { consoleConfigFromEnv } from '../../console/config';
import { optionsFromEnv } from '../../emulator/env-options';
import { receiverConfigFromEnv } from '../../receiver/config';
import { defaultTemporalAddress } from '../../temporal/settings';

export interface WellKnownPort {
  port: number;
  what: string;
}

/**
 * The ports `npm run stack` takes by default, read from the same defaults the parts use: Temporal and its Web UI
 * (start-dev puts the UI 1000 above the frontend), the receiver and its operations listener, the emulator, the console.
 */
export function wellKnownPorts(): WellKnownPort[] {
  const temporal = Number(defaultTemporalAddress.split(':').pop());
  const receiver = receiverConfigFromEnv({ GEMINIFLOW_ROUTING_KEYS: 'none' });
  const console = consoleConfigFromEnv({ GEMINIFLOW_CONSOLE_TOKENS: 'ci=held-ports-placeholder' });
  return [
    { port: temporal, what: 'Temporal' },
    { port: temporal + 1000, what: "Temporal's Web UI" },
    { port: receiver.port!, what: 'receiver' },
    { port: receiver.opsPort!, what: "receiver's operations" },
    { port: optionsFromEnv({}).port!, what: 'Gemini emulator' },
    { port: console.port, what: 'console' },
  ];
}

/** Whether the run is in CI (the `CI` variable, set by CI systems and by .ci/run). */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI?.trim().toLowerCase();
  return !!ci && ci !== 'false' && ci !== '0';
}

export interface HeldPorts {
  /** What this process holds, and what another process already held (as a running stack would). */
  report: string;
  release(): Promise<void>;
}

/**
 * Holds ports for the length of a test run with plain listeners on every address (IPv4 and IPv6), so a test that binds
 * one fails at once with EADDRINUSE, as it would beside a developer's running stack. A connection is closed at once.
 */
export async function holdPorts(ports: WellKnownPort[]): Promise<HeldPorts> {
  const servers: net.Server[] = [];
  const held: string[] = [];
  const taken: string[] = [];
  for (const { port, what } of ports) {
    const server = await listenEverywhere(port);
    if (server) {
      servers.push(server);
      held.push(`${port} (${what})`);
    } else taken.push(`${port} (${what})`);
  }
  return {
    report: [
      held.length ? `holding the local stack's ports ${held.join(', ')}` : '',
      taken.length ? `already in use by another process: ${taken.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('; '),
    release: () =>
      Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())))).then(() => {}),
  };
}

/** A listener on `::` (every IPv6 and IPv4 address), else on 0.0.0.0; undefined when the port is in use. */
async function listenEverywhere(port: number): Promise<net.Server | undefined> {
  for (const host of ['::', '0.0.0.0']) {
    const server = net.createServer((socket) => socket.destroy());
    const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      server.once('error', resolve);
      server.listen({ port, host, ipv6Only: false }, () => resolve(undefined));
    });
    if (!error) {
      server.unref();
      return server;
    }
    if (error.code === 'EADDRINUSE') return undefined;
  }
  return undefined;
}
