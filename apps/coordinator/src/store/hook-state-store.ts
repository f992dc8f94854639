/**
 * @module What hooks remember per Claude Code session: which sessions of an agent are live, and
 * which requests each session's hooks already announced (so a notice is never repeated).
 */
import type { Keys } from './keys.js';
import type { RedisClient } from './redis-client.js';

/** Hook memory outlives any session it is useful for. */
const STATE_TTL_SECONDS = 24 * 60 * 60;

export type HookStateStore = ReturnType<typeof createHookStateStore>;

export function createHookStateStore(client: RedisClient, keys: Keys) {
  return {
    /** Records the session as live; returns the agent's other sessions seen since `sinceMs`. */
    async touchSession(agent: string, session: string, nowMs: number, sinceMs: number) {
      const key = keys.sessions(agent);
      const [, , others] = await Promise.all([
        client.zAdd(key, { score: nowMs, value: session }),
        client.expire(key, STATE_TTL_SECONDS),
        client.zRangeByScoreWithScores(key, sinceMs, '+inf'),
      ]);
      return others
        .filter((o) => o.value !== session)
        .map((o) => ({ session: o.value, lastSeenMs: o.score }));
    },

    async endSession(agent: string, session: string): Promise<void> {
      await Promise.all([
        client.zRem(keys.sessions(agent), session),
        client.del([
          keys.announced(agent, session, 'stop'),
          keys.announced(agent, session, 'tool'),
        ]),
      ]);
    },

    /**
     * Records `requestIds` as announced by the session's `hook`; returns those not announced before.
     * `fresh` forgets earlier announcements first (a new stop-chain).
     */
    async announce(
      agent: string,
      session: string,
      hook: 'stop' | 'tool',
      requestIds: readonly string[],
      fresh = false,
    ): Promise<string[]> {
      const key = keys.announced(agent, session, hook);
      if (fresh) await client.del(key);
      if (requestIds.length === 0) return [];
      const seen = await client.smIsMember(key, [...requestIds]);
      const unseen = requestIds.filter((_, i) => !seen[i]);
      if (unseen.length > 0) {
        await Promise.all([client.sAdd(key, unseen), client.expire(key, STATE_TTL_SECONDS)]);
      }
      return unseen;
    },
  };
}
