import net from 'node:net';
import { SetupError } from '../../common/errors';
import { UsageError } from '../output';

export const devPortNames = ['temporal', 'ui', 'emulator', 'receiver', 'receiverOps', 'console'] as const;
export type DevPortName = (typeof devPortNames)[number];
export type DevPorts = Record<DevPortName, number>;

/** The ports the docs name (those of `geminiflow stack`), so a Temporal CLI or a browser finds dev without flags. */
export const wellKnownPorts: DevPorts = {
  temporal: 7233,
  ui: 8233,
  emulator: 8790,
  receiver: 8789,
  receiverOps: 8788,
  console: 8787,
};

function bindable(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const bound = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(bound));
    });
  });
}

/**
 * The ports of one run of dev: the ones given, then (with `auto`) the ones remembered from the last run while they
 * are free, so a restart keeps its addresses, else free ones; without `auto`, the well-known ones. A port in use is
 * refused here, naming its part, before anything starts.
 */
export async function planPorts(opts: {
  auto: boolean;
  given: Partial<DevPorts>;
  remembered?: Partial<DevPorts>;
}): Promise<DevPorts> {
  const ports = {} as DevPorts;
  const taken = new Set<number>();
  for (const name of devPortNames) {
    let port = opts.given[name];
    if (port === undefined && opts.auto) {
      const before = opts.remembered?.[name];
      if (before && !taken.has(before) && (await bindable(before))) port = before;
      while (port === undefined || taken.has(port)) port = await bindable(0);
    }
    port ??= wellKnownPorts[name];
    if (taken.has(port)) throw new UsageError(`port ${port} is given to two parts of dev; give each its own`);
    if (!(await bindable(port))) {
      throw new SetupError(
        `port ${port} (${portTitles[name]}) is in use: another geminiflow dev or stack? Stop it, or run with --ports auto.`,
      );
    }
    taken.add(port);
    ports[name] = port;
  }
  return ports;
}

const portTitles: Record<DevPortName, string> = {
  temporal: 'Temporal',
  ui: 'the Temporal UI',
  emulator: 'the Gemini emulator',
  receiver: 'the receiver',
  receiverOps: "the receiver's operations",
  console: 'the console',
};

/** A commander parser for a port option. */
export function portOption(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`"${value}" is not a port (1-65535)`);
  return port;
}
