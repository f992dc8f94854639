/**
 * @module The deadline of every open request, in one index, so that any coordinator can find the
 * requests whose deadline passed and end them. Written before a send commits (an entry without a
 * request is dropped by the sweep), removed once the request ended.
 */
import type { Keys } from './keys.js';
import type { RedisConnections } from './redis-client.js';

/** An open request as the index knows it. */
export interface Deadline {
  recipient: string;
  requestId: string;
  dueMs: number;
}

const member = (recipient: string, requestId: string) => `${recipient} ${requestId}`;

export type DeadlinesStore = ReturnType<typeof createDeadlinesStore>;

export function createDeadlinesStore(redis: RedisConnections, keys: Keys) {
  const key = keys.deadlines;
  return {
    async add(recipient: string, requestId: string, dueMs: number): Promise<void> {
      await redis.call(key, 'ZADD', key, dueMs, member(recipient, requestId));
    },

    /**
     * Brings an open request's entry forward to `atMs` (only if it is in the index): the sweep
     * then settles it by that time if its process dies right after changing its state.
     */
    async nudge(recipient: string, requestId: string, atMs: number): Promise<void> {
      await redis.call(key, 'ZADD', key, 'XX', atMs, member(recipient, requestId));
    },

    async remove(recipient: string, requestId: string): Promise<void> {
      await redis.call(key, 'ZREM', key, member(recipient, requestId));
    },

    /** Up to `limit` open requests due by `nowMs` (or all open ones with `nowMs` = +Infinity), soonest first. */
    async due(nowMs: number, limit: number, offset = 0): Promise<Deadline[]> {
      const max = Number.isFinite(nowMs) ? nowMs : '+inf';
      const reply = await redis.call(
        key,
        'ZRANGEBYSCORE',
        key,
        '-inf',
        max,
        'WITHSCORES',
        'LIMIT',
        offset,
        limit,
      );
      const flat = Array.isArray(reply) ? reply.map(String) : [];
      const out: Deadline[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const [recipient = '', requestId = ''] = (flat[i] as string).split(' ');
        out.push({ recipient, requestId, dueMs: Number(flat[i + 1]) });
      }
      return out;
    },

    /** How many requests are open. */
    async count(): Promise<number> {
      return Number(await redis.call(key, 'ZCARD', key));
    },
  };
}
