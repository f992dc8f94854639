/**
 * @module What hooks remember per Claude Code session: which sessions of an agent are live, and
 * which requests each session's hooks already announced (so a notice is never repeated).
 */
import type { Keys } from './keys.js';
import type { RedisConnections } from './redis-client.js';

/** Hook memory outlives any session it is useful for. */
const STATE_TTL_SECONDS = 24 * 60 * 60;

export type HookStateStore = ReturnType<typeof createHookStateStore>;

export function createHookStateStore(redis: RedisConnections, keys: Keys) {
  return {
    /** Records the session as live; returns the agent's other sessions seen since `sinceMs`. */
    async touchSession(agent: string, session: string, nowMs: number, sinceMs: number) {
      const key = keys.sessions(agent);
      const [, , others] = await Promise.all([
        redis.call(key, 'ZADD', key, nowMs, session),
        redis.call(key, 'EXPIRE', key, STATE_TTL_SECONDS),
        redis.call(key, 'ZRANGEBYSCORE', key, sinceMs, '+inf', 'WITHSCORES'),
      ]);
      const flat = Array.isArray(others) ? others.map(String) : [];
      const sessions: { session: string; lastSeenMs: number }[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        if (flat[i] !== session)
          sessions.push({ session: flat[i] as string, lastSeenMs: Number(flat[i + 1]) });
      }
      return sessions;
    },

    /**
     * The session is no longer live. What its hooks announced is kept (it lapses after a day):
     * Claude Code keeps the session id on --resume, and a resumed session must not be told again.
     */
    async endSession(agent: string, session: string): Promise<void> {
      await redis.call(keys.sessions(agent), 'ZREM', keys.sessions(agent), session);
    },

    /** Records `requestIds` as announced by the session's `hook`; returns those not announced before. */
    async announce(
      agent: string,
      session: string,
      hook: 'stop' | 'tool',
      requestIds: readonly string[],
    ): Promise<string[]> {
      if (requestIds.length === 0) return [];
      const key = keys.announced(agent, session, hook);
      const seen = await redis.call(key, 'SMISMEMBER', key, ...requestIds);
      const flags = Array.isArray(seen) ? seen.map(Number) : [];
      const unseen = requestIds.filter((_, i) => flags[i] !== 1);
      if (unseen.length > 0) {
        await Promise.all([
          redis.call(key, 'SADD', key, ...unseen),
          redis.call(key, 'EXPIRE', key, STATE_TTL_SECONDS),
        ]);
      }
      return unseen;
    },
  };
}
