/**
 * A coordinator that is down in the two ways that matter: a closed port (connections refused at
 * once) and a black hole (a socket that accepts and never answers, like a hung server or a
 * firewall that swallows packets after the handshake).
 */

import type { AddressInfo } from 'node:net';
import { createServer, type Socket } from 'node:net';

export interface Connection {
  /** The first line the client sent, e.g. `POST /api/hooks/stop HTTP/1.1`. */
  firstLine: string;
  openedAt: number;
  /** When the client gave up and closed it. */
  closedAt?: number;
}

export interface BlackHole {
  url: string;
  /** Connections it accepted so far. */
  accepted(): number;
  connections(): Connection[];
  close(): Promise<void>;
}

export async function startBlackHole(): Promise<BlackHole> {
  const sockets = new Set<Socket>();
  const connections: Connection[] = [];
  const server = createServer((socket) => {
    const connection: Connection = { firstLine: '', openedAt: Date.now() };
    connections.push(connection);
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => {
      connection.closedAt = Date.now();
      sockets.delete(socket);
    });
    // Read what the client sends (keeping its first line), never write.
    socket.on('data', (d: Buffer) => {
      if (!connection.firstLine) connection.firstLine = d.toString('latin1').split('\r\n')[0] ?? '';
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    accepted: () => connections.length,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
