import net from 'node:net';

export interface TcpListening {
  server: net.Server;
  port: number;
  /** `127.0.0.1:port`, as a Temporal address is written. */
  address: string;
  /** Stops listening and drops every open connection, so it never waits on a client. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * A plain TCP listener on a free port of 127.0.0.1, for tests that stand between a client and a server (HTTP servers
 * use common/listen's `listen`, which takes a free port the same way).
 */
export async function listenTcp(onConnection: (socket: net.Socket) => void): Promise<TcpListening> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    server,
    port,
    address: `127.0.0.1:${port}`,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      })),
  };
}
