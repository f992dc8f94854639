/**
 * @module Limits kept in Redis, so that they hold across every coordinator replica: send rates
 * per agent and per token, a token's open waits (leases that lapse when their process dies), and
 * the agent IDs a token has acted as.
 */
import type { Keys } from './keys.js';
import type { RedisConnections } from './redis-client.js';
import type { RunScript } from './script-runner.js';

export type LimitsStore = ReturnType<typeof createLimitsStore>;

export interface RateCount {
  count: number;
  resetInMs: number;
}

export function createLimitsStore(redis: RedisConnections, run: RunScript, keys: Keys) {
  const countHit = async (key: string, windowMs: number): Promise<RateCount> => {
    const reply = await run('count-hit-1', [key], [windowMs]);
    const [count, ttl] = Array.isArray(reply) ? reply.map(Number) : [0, 0];
    return { count: count ?? 0, resetInMs: Math.max(ttl ?? 0, 0) };
  };

  return {
    /** Counts one send by `agent` in the current window. */
    countSend: (agent: string, windowMs: number) => countHit(keys.sendCount(agent), windowMs),

    /** Counts one send made with the token whose digest is `digest`. */
    countTokenSend: (digest: string, windowMs: number) =>
      countHit(keys.tokenSendCount(digest), windowMs),

    /** Takes or renews the lease of one open wait of a token; false when it holds `limit` already. */
    async leaseTokenWait(
      digest: string,
      waitId: string,
      w: { nowMs: number; untilMs: number; limit: number },
    ): Promise<boolean> {
      const held = await run(
        'lease-1',
        [keys.tokenWaits(digest)],
        [w.nowMs, w.untilMs, waitId, w.limit],
      );
      return Number(held) === 1;
    },

    /** Renews the leases of a token's waits held by this process (one command). */
    async renewTokenWaits(digest: string, waitIds: readonly string[], untilMs: number) {
      const key = keys.tokenWaits(digest);
      // The key outlives its last lease by a minute, as lease-1 sets it (a wait lasts 90 s at most).
      await Promise.all([
        redis.call(key, 'ZADD', key, 'XX', ...waitIds.flatMap((id) => [untilMs, id])),
        redis.call(key, 'PEXPIRE', key, untilMs - Date.now() + 60_000),
      ]);
    },

    /** Ends the lease of one of a token's waits. */
    async releaseTokenWait(digest: string, waitId: string) {
      const key = keys.tokenWaits(digest);
      await redis.call(key, 'ZREM', key, waitId);
    },

    /** Records that a token acts as `agent`; false when the token already used `cap` other IDs. */
    async admitTokenAgent(digest: string, agent: string, cap: number, ttlMs: number) {
      const admitted = await run(
        'admit-1',
        [keys.tokenAgents(digest)],
        [agent, Date.now(), cap, ttlMs],
      );
      return Number(admitted) === 1;
    },
  };
}
