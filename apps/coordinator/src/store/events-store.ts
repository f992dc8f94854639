/**
 * @module Request lifecycle events (sent, delivered, answered, cancelled, expired, dead-lettered)
 * in one capped stream, for people watching: the status page and `c3po tail`.
 */
import { fieldsToRecord, toFields } from './codec.js';
import type { Keys } from './keys.js';
import type { RedisConnections } from './redis-client.js';

/** Events kept at most (about). */
const MAX_EVENTS = 10_000;

export interface StoredEvent {
  id: string;
  fields: Record<string, string>;
}

export type EventsStore = ReturnType<typeof createEventsStore>;

export function createEventsStore(redis: RedisConnections, keys: Keys) {
  const key = keys.events;
  return {
    async add(fields: Record<string, string | number | undefined>): Promise<void> {
      await redis.call(key, 'XADD', key, 'MAXLEN', '~', MAX_EVENTS, '*', ...toFields(fields));
    },

    /** Events after `afterId` (`$`-like: pass the last id seen), oldest first, at most `count`. */
    async after(afterId: string, count: number): Promise<StoredEvent[]> {
      const reply = await redis.call(key, 'XRANGE', key, `(${afterId}`, '+', 'COUNT', count);
      return toEvents(reply);
    },

    /** The most recent `count` events, oldest first. */
    async latest(count: number): Promise<StoredEvent[]> {
      const reply = await redis.call(key, 'XREVRANGE', key, '+', '-', 'COUNT', count);
      return toEvents(reply).reverse();
    },
  };
}

function toEvents(reply: unknown): StoredEvent[] {
  return (Array.isArray(reply) ? reply : []).map((e) => {
    const [id, fields] = e as [string, string[]];
    return { id, fields: fieldsToRecord(fields) };
  });
}
