/**
 * A TCP proxy in front of a real Redis that can lose a reply: the command is passed on and runs,
 * but the connection is cut before its answer gets back (as when a network or Redis hiccups after
 * the write and before the reply).
 */
import { connect, createServer, type Socket } from 'node:net';

export interface RedisProxy {
  url: string;
  /** The next command whose bytes contain `marker` runs on Redis, but its caller never hears back. */
  loseReplyTo(marker: string): Promise<void>;
  close(): Promise<void>;
}

export async function startRedisProxy(target: { host: string; port: number }): Promise<RedisProxy> {
  const sockets = new Set<Socket>();
  let pending: { marker: string; done: () => void } | undefined;
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    sockets.add(client).add(upstream);
    let cutting = false;
    client.on('data', (chunk) => {
      if (pending && chunk.includes(pending.marker)) {
        const { done } = pending;
        pending = undefined;
        cutting = true;
        // The command reaches Redis; its reply (or anything after it) never reaches the caller.
        upstream.write(chunk, () =>
          setTimeout(() => {
            client.destroy();
            upstream.destroy();
            done();
          }, 50),
        );
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!cutting) client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('proxy has no port');
  return {
    url: `redis://127.0.0.1:${address.port}`,
    loseReplyTo: (marker) => new Promise<void>((done) => (pending = { marker, done })),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
