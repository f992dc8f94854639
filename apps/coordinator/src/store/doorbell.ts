/**
 * @module The doorbell: waiters park in this process and are woken through the agent's sharded
 * pub/sub channel, so waiting costs memory, not Redis connections. One subscription per agent
 * channel is shared by all its local waiters. Pub/sub is at-most-once, so every wake-up is only a
 * hint to re-check Redis, and all waiters re-check after the subscriber reconnects.
 */
import type { Keys } from './keys.js';
import type { RedisConnections } from './redis-client.js';

/** A waiter's handle on its agent's doorbell. */
export interface Bell {
  /** Settles once the channel subscription is confirmed; rejects while the subscriber is down. */
  readonly ready: Promise<void>;
  /** Resolves at the next ring (at once if one came since the last call), after `ms`, or on abort. */
  next(ms: number, signal?: AbortSignal): Promise<void>;
  close(): void;
}

interface Listener {
  kind: string;
  ring(): void;
}

interface Channel {
  listeners: Set<Listener>;
  subscribed: Promise<void> | undefined;
  linger: NodeJS.Timeout | undefined;
}

/** How long an unused subscription is kept, so a listen loop does not churn SSUBSCRIBE. */
const DEFAULT_LINGER_MS = 10_000;

export type Doorbell = ReturnType<typeof createDoorbell>;

export function createDoorbell(redis: RedisConnections, keys: Keys, lingerMs = DEFAULT_LINGER_MS) {
  const channels = new Map<string, Channel>();
  /**
   * Unsubscribes still in flight. node-redis drops a listener added while an SUNSUBSCRIBE of the
   * same channel is pending, so a new subscription waits for it (else its rings would be lost).
   */
  const leaving = new Map<string, Promise<void>>();

  const subscribe = (name: string, channel: Channel): Promise<void> => {
    channel.subscribed ??= (leaving.get(name) ?? Promise.resolve())
      .then(() =>
        redis.sSubscribe(name, (message: string) => {
          for (const l of channel.listeners) if (l.kind === message) l.ring();
        }),
      )
      .catch((err: unknown) => {
        channel.subscribed = undefined;
        throw err;
      });
    return channel.subscribed;
  };

  redis.onPubSubReady(() => {
    for (const [name, channel] of channels) {
      if (channel.listeners.size > 0) subscribe(name, channel).catch(() => {});
      for (const l of channel.listeners) l.ring();
    }
  });

  const release = (name: string, channel: Channel) => {
    if (channel.listeners.size > 0) return;
    clearTimeout(channel.linger);
    channel.linger = setTimeout(() => {
      if (channel.listeners.size > 0) return;
      channels.delete(name);
      if (!channel.subscribed) return;
      const done = redis
        .sUnsubscribe(name)
        .catch(() => {})
        .finally(() => {
          if (leaving.get(name) === done) leaving.delete(name);
        });
      leaving.set(name, done);
    }, lingerMs);
    channel.linger.unref();
  };

  return {
    /** Listens for `message` rings (see `BELL`) on `agent`'s channel. Call `close()` when done. */
    listen(agent: string, message: string): Bell {
      const name = keys.bell(agent);
      let channel = channels.get(name);
      if (!channel) {
        channel = { listeners: new Set(), subscribed: undefined, linger: undefined };
        channels.set(name, channel);
      }
      clearTimeout(channel.linger);
      let dirty = false;
      let wake: (() => void) | undefined;
      const listener: Listener = {
        kind: message,
        ring() {
          dirty = true;
          wake?.();
        },
      };
      channel.listeners.add(listener);
      const ready = subscribe(name, channel);
      ready.catch(() => {});
      const owner = channel;
      return {
        ready,
        next(ms, signal) {
          if (dirty || signal?.aborted) {
            dirty = false;
            return Promise.resolve();
          }
          return new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(timer);
              signal?.removeEventListener('abort', done);
              wake = undefined;
              dirty = false;
              resolve();
            };
            const timer = setTimeout(done, ms);
            wake = done;
            signal?.addEventListener('abort', done, { once: true });
          });
        },
        close() {
          wake?.();
          owner.listeners.delete(listener);
          release(name, owner);
        },
      };
    },
  };
}
