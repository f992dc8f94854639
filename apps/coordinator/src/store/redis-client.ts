/**
 * @module Redis connections, for one server or a Redis Cluster: one command connection (one per
 * master on a cluster) and the sharded pub/sub for the doorbell. Commands are raw and routed by
 * their first key, so the same store code runs on both.
 */
import { createClient, createCluster } from 'redis';
import type { Logger } from '../logger.js';
import { tracked } from './round-trips.js';

/** Where to connect: one server, or the seed nodes of a cluster. */
export type RedisTarget = { url: string } | { clusterNodes: readonly string[] };

/** How one Redis server answered a PING. */
export interface NodeHealth {
  node: string;
  ok: boolean;
  error?: string;
}

export interface RedisConnections {
  mode: 'single' | 'cluster';
  /** Sends a command; on a cluster it goes to the master of `key`'s slot. */
  call(key: string, ...args: (string | number)[]): Promise<unknown>;
  sSubscribe(channel: string, listener: (message: string) => void): Promise<void>;
  sUnsubscribe(channel: string): Promise<void>;
  /** Registers `fn` to run whenever a pub/sub connection is back: rings may have been lost. */
  onPubSubReady(fn: () => void): void;
  /** PINGs every server (every master of a cluster). */
  pingAll(): Promise<NodeHealth[]>;
  close(): Promise<void>;
}

const clientOptions = {
  // Raw replies in the RESP2 shapes the store parses; scripts return JSON anyway.
  RESP: 2 as const,
  // Fail fast while disconnected: tools answer "unavailable, retry" instead of hanging, and
  // waits treat the failure as "not yet".
  disableOfflineQueue: true,
  maintNotifications: 'disabled' as const,
  socket: {
    connectTimeout: 2_000,
    reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2_000),
  },
};

/** Logs a connection's loss once and its return once, instead of every reconnect attempt. */
function watch(client: NodeJS.EventEmitter, role: string, logger: Logger) {
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
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

function single(url: string, logger: Logger): RedisConnections {
  const command = createClient({ ...clientOptions, url, name: 'c3po-command' });
  const subscriber = createClient({ ...clientOptions, url, name: 'c3po-subscriber' });
  for (const [role, client] of [
    ['command', command],
    ['subscriber', subscriber],
  ] as const) {
    watch(client, role, logger);
    client.connect().catch((err: unknown) => {
      logger.warn({ role, err: String(err) }, 'redis connect failed; retrying in the background');
    });
  }
  return {
    mode: 'single',
    call: (_key, ...args) => tracked(() => command.sendCommand(args.map(String))),
    sSubscribe: (channel, listener) => subscriber.sSubscribe(channel, listener),
    sUnsubscribe: (channel) => subscriber.sUnsubscribe(channel),
    onPubSubReady: (fn) => subscriber.on('ready', fn),
    async pingAll() {
      const node = new URL(url).host;
      try {
        await command.ping();
        return [{ node, ok: true }];
      } catch (err) {
        return [{ node, ok: false, error: errorText(err) }];
      }
    },
    async close() {
      await Promise.allSettled([command.close(), subscriber.close()]);
    },
  };
}

/** Credentials and TLS of the seed URLs apply to every node of the cluster. */
function nodeDefaults(seed: string) {
  const u = new URL(seed);
  return {
    ...clientOptions,
    name: 'c3po-cluster',
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    socket: {
      ...clientOptions.socket,
      ...(u.protocol === 'rediss:' ? { tls: true as const } : {}),
    },
  };
}

function cluster(seeds: readonly string[], logger: Logger): RedisConnections {
  const defaults = nodeDefaults(seeds[0] ?? 'redis://127.0.0.1:6379');
  const client = createCluster({
    rootNodes: seeds.map((url) => ({ url })),
    defaults,
    RESP: 2,
  });
  watch(client, 'cluster', logger);
  const readyHooks: (() => void)[] = [];
  client.on('node-error', (err: Error, node: { host?: string; port?: number }) => {
    logger.debug({ node: `${node.host}:${node.port}`, err: err.message }, 'redis node error');
  });
  client.on('node-ready', () => {
    for (const fn of readyHooks) fn();
  });
  client.connect().catch((err: unknown) => {
    logger.warn({ err: String(err) }, 'redis cluster connect failed; retrying in the background');
  });
  return {
    mode: 'cluster',
    call: (key, ...args) => tracked(() => client.sendCommand(key, false, args.map(String))),
    sSubscribe: (channel, listener) => client.sSubscribe(channel, listener),
    sUnsubscribe: (channel) => client.sUnsubscribe(channel),
    onPubSubReady: (fn) => readyHooks.push(fn),
    async pingAll() {
      const masters = client.masters;
      if (masters.length === 0)
        return [{ node: seeds.join(','), ok: false, error: 'no masters known' }];
      return Promise.all(
        masters.map(async (m) => {
          const node = `${m.host}:${m.port}`;
          try {
            await (await client.nodeClient(m)).ping();
            return { node, ok: true };
          } catch (err) {
            return { node, ok: false, error: errorText(err) };
          }
        }),
      );
    },
    async close() {
      await Promise.allSettled([client.close()]);
    },
  };
}

/**
 * Opens the connections and keeps them open: node-redis reconnects by itself. Resolves at once,
 * even while Redis is down; callers see `unavailable` errors until it is back.
 */
export function connectRedis(target: RedisTarget, logger: Logger): RedisConnections {
  return 'url' in target ? single(target.url, logger) : cluster(target.clusterNodes, logger);
}
