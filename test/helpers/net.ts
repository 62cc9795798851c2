import net from 'node:net';

/** Whether something listens on `port` of 127.0.0.1 right now: a port a stopped process left behind is not free. */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
