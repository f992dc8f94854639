/** @module Redis connections: one for commands, one for the sharded pub/sub doorbell. */
import { createClient } from 'redis';
import type { Logger } from '../logger.js';

function newClient(url: string, name: string) {
  return createClient({
    url,
    name,
    // Typed replies keep the v5 shapes under RESP2; scripts return JSON anyway.
    RESP: 2,
    // Fail fast while disconnected: tools answer "unavailable, retry" instead of hanging, and
    // waits treat the failure as "not yet".
    disableOfflineQueue: true,
    maintNotifications: 'disabled',
    socket: {
      connectTimeout: 2_000,
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2_000),
    },
  });
}

export type RedisClient = ReturnType<typeof newClient>;

export interface RedisConnections {
  command: RedisClient;
  subscriber: RedisClient;
  close(): Promise<void>;
}

/**
 * Opens the two connections and keeps them open: node-redis reconnects by itself. Resolves at once,
 * even while Redis is down; callers see `unavailable` errors until it is back.
 */
export function connectRedis(url: string, logger: Logger): RedisConnections {
  const command = newClient(url, 'c3po-command');
  const subscriber = newClient(url, 'c3po-subscriber');
  for (const [role, client] of [
    ['command', command],
    ['subscriber', subscriber],
  ] as const) {
    let healthy = true;
    // node-redis throws (and the process exits) on an 'error' event nobody listens to.
    client.on('error', (err: Error) => {
      if (healthy) logger.warn({ role, err: err.message }, 'redis connection lost; reconnecting');
      healthy = false;
    });
    client.on('ready', () => {
      if (!healthy) logger.info({ role }, 'redis connection back');
      healthy = true;
    });
    client.connect().catch((err: unknown) => {
      logger.warn({ role, err: String(err) }, 'redis connect failed; retrying in the background');
    });
  }
  return {
    command,
    subscriber,
    async close() {
      await Promise.allSettled([command.close(), subscriber.close()]);
    },
  };
}
