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

/** A command got no reply in time: the server (or a cluster master) hangs. Retryable. */
export class RedisDeadlineError extends Error {
  override name = 'RedisDeadlineError';
}

/** A command that gets no reply within this is given up (node-redis has no timeout once it is sent). */
const COMMAND_DEADLINE_MS = 3_000;
/**
 * After this many deadlines within MISS_WINDOW_MS, a cluster client is replaced: it would not
 * notice a hung master by itself. Replies from the other masters do not reset the count.
 */
const MISSES_BEFORE_RECONNECT = 3;
const MISS_WINDOW_MS = 15_000;
/** A cluster client not connected after this is replaced (see `replace`). */
const CONNECT_PATIENCE_MS = 5_000;

/** Deadlines missed lately, and what to do when there are too many. */
interface Misses {
  at: number[];
  onMiss(): void;
}

/** Notes a missed deadline; true when MISSES_BEFORE_RECONNECT fell within MISS_WINDOW_MS. */
function tooMany(misses: Misses): boolean {
  const now = Date.now();
  misses.at = misses.at.filter((t) => t > now - MISS_WINDOW_MS);
  misses.at.push(now);
  if (misses.at.length < MISSES_BEFORE_RECONNECT) return false;
  misses.at = [];
  return true;
}

/** Races `send` against the deadline; a miss is reported to `misses`. */
function withDeadline<T>(send: () => Promise<T>, misses?: Misses): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      misses?.onMiss();
      reject(new RedisDeadlineError(`Redis did not answer within ${COMMAND_DEADLINE_MS} ms`));
    }, COMMAND_DEADLINE_MS);
    send().then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

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
  /**
   * Loads Lua scripts on every server (every master), now and whenever one (re)connects, so that
   * EVALSHA finds them without a round trip for NOSCRIPT.
   */
  preloadScripts(sources: readonly string[]): void;
  /** PINGs every server (every master of a cluster). */
  pingAll(): Promise<NodeHealth[]>;
  close(): Promise<void>;
}

const clientOptions = {
  // Raw replies in the RESP2 shapes the store parses; scripts return JSON anyway.
  RESP: 2 as const,
  // No per-command timer of node-redis (it does not cover a command once sent); the deadline
  // above covers every command, sent or not, at a fraction of the cost.
  commandOptions: { timeout: 0 },
  // Fail fast while disconnected: tools answer "unavailable, retry" instead of hanging, and
  // waits treat the failure as "not yet".
  disableOfflineQueue: true,
  maintNotifications: 'disabled' as const,
  socket: {
    connectTimeout: 2_000,
    reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2_000),
  },
};

/** What a caller wants to hear about connections (metrics). */
export interface ConnectionObserver {
  error?(): void;
  reconnect?(): void;
}

/** Logs a connection's loss once and its return once, instead of every reconnect attempt. */
function watch(
  client: NodeJS.EventEmitter,
  role: string,
  logger: Logger,
  observer: ConnectionObserver,
) {
  let healthy = true;
  // node-redis throws (and the process exits) on an 'error' event nobody listens to.
  client.on('error', (err: Error) => {
    observer.error?.();
    if (healthy) logger.warn({ role, err: err.message }, 'redis connection lost; reconnecting');
    healthy = false;
  });
  client.on('ready', () => {
    if (!healthy) {
      observer.reconnect?.();
      logger.info({ role }, 'redis connection back');
    }
    healthy = true;
  });
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

function single(url: string, logger: Logger, observer: ConnectionObserver): RedisConnections {
  const command = createClient({ ...clientOptions, url, name: 'c3po-command' });
  const subscriber = createClient({ ...clientOptions, url, name: 'c3po-subscriber' });
  for (const [role, client] of [
    ['command', command],
    ['subscriber', subscriber],
  ] as const) {
    watch(client, role, logger, observer);
    client.connect().catch((err: unknown) => {
      logger.warn({ role, err: String(err) }, 'redis connect failed; retrying in the background');
    });
  }
  let scripts: readonly string[] = [];
  const load = () => {
    for (const source of scripts) command.sendCommand(['SCRIPT', 'LOAD', source]).catch(() => {});
  };
  command.on('ready', load);
  return {
    mode: 'single',
    preloadScripts(sources) {
      scripts = sources;
      if (command.isReady) load();
    },
    call: (_key, ...args) =>
      tracked(() => withDeadline(() => command.sendCommand(args.map(String)))),
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

function cluster(
  seeds: readonly string[],
  logger: Logger,
  observer: ConnectionObserver,
): RedisConnections {
  const readyHooks: (() => void)[] = [];
  const ringAll = () => {
    for (const fn of readyHooks) fn();
  };
  let scripts: readonly string[] = [];
  /** Loads the scripts on every master (a new one after a failover has none). */
  const loadAll = () => {
    for (const master of client.masters) {
      client
        .nodeClient(master)
        .then((node) =>
          Promise.all(scripts.map((source) => node.sendCommand(['SCRIPT', 'LOAD', source]))),
        )
        .catch(() => {});
    }
  };
  const open = () => {
    const created = createCluster({
      rootNodes: seeds.map((url) => ({ url })),
      // Per-node settings (credentials, TLS, timeouts) must be in `defaults`; RESP at the top.
      defaults: {
        ...nodeDefaults(seeds[0] ?? 'redis://127.0.0.1:6379'),
        // With a ping every second an idle connection never times out; a hung node does.
        pingInterval: 1_000,
      },
      RESP: 2,
      // Look for the new master a second after a node starts reconnecting (default 5 s).
      topologyRefreshOnReconnectionAttemptStrategy: 1_000,
    });
    watch(created, 'cluster', logger, observer);
    created.on('node-error', (err: Error, node: { host?: string; port?: number }) => {
      logger.debug({ node: `${node.host}:${node.port}`, err: err.message }, 'redis node error');
    });
    // A resubscription is confirmed a little after the node is ready: re-check then, and again.
    created.on('node-ready', () => {
      ringAll();
      setTimeout(ringAll, 100).unref();
      loadAll();
    });
    created.connect().catch((err: unknown) => {
      logger.warn({ err: String(err) }, 'redis cluster connect failed; retrying in the background');
    });
    // Discovery has no timeout of its own: a seed that hangs holds it forever. Start again (from
    // another seed, chosen at random) until one answers.
    setTimeout(() => {
      if (client === created && !created.isReady && !closed) replace('not connected after 5 s');
    }, CONNECT_PATIENCE_MS).unref();
    return created;
  };
  let closed = false;
  let client = open();
  /** Channels and their listeners, to subscribe again on a replaced client. */
  const subscriptions = new Map<string, (message: string) => void>();
  /** Replaces the cluster client: node-redis would not leave a hung master or seed by itself. */
  function replace(why: string) {
    logger.warn({ why }, 'reconnecting to the redis cluster');
    const old = client;
    client = open();
    try {
      old.destroy();
    } catch {
      // It never connected: nothing to close.
    }
    for (const [channel, listener] of subscriptions)
      client.sSubscribe(channel, listener).catch(() => {});
    ringAll();
  }
  const misses: Misses = {
    at: [],
    onMiss() {
      if (tooMany(misses)) replace('a master does not answer');
    },
  };
  return {
    mode: 'cluster',
    preloadScripts(sources) {
      scripts = sources;
      loadAll();
    },
    call: (key, ...args) =>
      tracked(() => withDeadline(() => client.sendCommand(key, false, args.map(String)), misses)),
    async sSubscribe(channel, listener) {
      subscriptions.set(channel, listener);
      await client.sSubscribe(channel, listener);
    },
    async sUnsubscribe(channel) {
      subscriptions.delete(channel);
      await client.sUnsubscribe(channel);
    },
    onPubSubReady: (fn) => readyHooks.push(fn),
    async pingAll() {
      const masters = client.masters;
      if (masters.length === 0)
        return [{ node: seeds.join(','), ok: false, error: 'no masters known' }];
      return Promise.all(
        masters.map(async (m) => {
          const node = `${m.host}:${m.port}`;
          try {
            const nodeClient = await client.nodeClient(m);
            await withDeadline(() => nodeClient.ping());
            return { node, ok: true };
          } catch (err) {
            return { node, ok: false, error: errorText(err) };
          }
        }),
      );
    },
    async close() {
      closed = true;
      await Promise.allSettled([client.close()]);
    },
  };
}

/**
 * Opens the connections and keeps them open: node-redis reconnects by itself. Resolves at once,
 * even while Redis is down; callers see `unavailable` errors until it is back.
 */
export function connectRedis(
  target: RedisTarget,
  logger: Logger,
  observer: ConnectionObserver = {},
): RedisConnections {
  return 'url' in target
    ? single(target.url, logger, observer)
    : cluster(target.clusterNodes, logger, observer);
}
