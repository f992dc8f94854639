/**
 * @module Keeps idle connections from exhausting the process: time limits on receiving a request,
 * and a cap on open connections that, when reached, closes the connections idle the longest
 * (never one with a call in progress, such as a parked wait).
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionLimits {
  /** Open connections kept at most before idle ones are closed. */
  maxConnections: number;
  /** Time a client has to send a request's headers, ms. */
  headersTimeoutMs: number;
  /** Time a client has to send a whole request, ms (the answer may take longer). */
  requestTimeoutMs: number;
  /** An idle kept-alive connection is closed after this long, ms. */
  keepAliveTimeoutMs: number;
}

export function limitConnections(server: Server, limits: ConnectionLimits) {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  // A hard bound for a flood of busy connections; idle ones go long before.
  server.maxConnections = limits.maxConnections * 2;

  /** Connections with no call in progress, the longest idle first. */
  const idle = new Map<Socket, true>();
  const busy = new Map<Socket, number>();

  server.on('connection', (socket: Socket) => {
    idle.set(socket, true);
    socket.once('close', () => {
      idle.delete(socket);
      busy.delete(socket);
    });
    let excess = idle.size + busy.size - limits.maxConnections;
    for (const [old] of idle) {
      if (excess <= 0) break;
      if (old === socket) continue;
      old.destroy();
      idle.delete(old);
      excess -= 1;
    }
  });
  server.on('request', (req, res) => {
    const socket = req.socket;
    idle.delete(socket);
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const n = (busy.get(socket) ?? 1) - 1;
      if (n > 0) busy.set(socket, n);
      else {
        busy.delete(socket);
        if (!socket.destroyed) idle.set(socket, true);
      }
    });
  });

  return { open: () => idle.size + busy.size };
}
