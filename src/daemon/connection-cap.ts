import type { Server, Socket } from 'node:net';

/**
 * Closes a new connection to `server` when its client address already holds `max()` open ones.
 * Counted on the TCP connection, before any TLS or HTTP work, so that one address cannot take the
 * process's file descriptors (the tracker shares them) with connections it never uses. `max` is
 * read per connection: a reload applies at once.
 */
export function capConnectionsPerAddress(server: Server, max: () => number): void {
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress;
    if (address === undefined) return;
    const count = open.get(address) ?? 0;
    if (count >= max()) {
      socket.destroy();
      return;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left === 0) open.delete(address);
      else open.set(address, left);
    });
  });
}
