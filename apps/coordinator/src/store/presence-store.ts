/**
 * @module Presence: when each agent was last seen, whether it ended its session, what it says it
 * is for, and who is listening now. A constant number of commands per call, whatever the number of
 * agents: the directory is a few global sorted sets and one hash.
 */
import type { Keys } from './keys.js';
import type { RedisConnections } from './redis-client.js';
import type { RunScript } from './script-runner.js';

export interface AgentPresence {
  agentId: string;
  lastSeenMs: number;
  endedAtMs: number | undefined;
  description: string | undefined;
  /** Inside wait_for_request now. */
  waiting: boolean;
}

/** A zset reply under RESP2 (`member, score, ...`) as pairs. */
function pairs(reply: unknown): { value: string; score: number }[] {
  const flat = Array.isArray(reply) ? reply.map(String) : [];
  const out: { value: string; score: number }[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2)
    out.push({ value: flat[i] as string, score: Number(flat[i + 1]) });
  return out;
}

const numberOrUndefined = (v: unknown) => (v === null || v === undefined ? undefined : Number(v));

export type PresenceStore = ReturnType<typeof createPresenceStore>;

export function createPresenceStore(redis: RedisConnections, run: RunScript, keys: Keys) {
  return {
    /**
     * Records that `agent` was seen. A new agent is admitted only while fewer than `cap` agents
     * are known; returns false when it was refused.
     */
    async touch(agent: string, nowMs: number, cap: number): Promise<boolean> {
      return Number(await run('admit-1', [keys.agents], [agent, nowMs, cap, ''])) === 1;
    },

    /** Marks the agent offline (its session ended) until its next call. */
    async end(agent: string, nowMs: number): Promise<void> {
      await Promise.all([
        redis.call(keys.agents, 'ZADD', keys.agents, 'XX', nowMs, agent),
        redis.call(keys.ended, 'ZADD', keys.ended, nowMs, agent),
      ]);
    },

    async describe(agent: string, description: string): Promise<void> {
      await redis.call(keys.descriptions, 'HSET', keys.descriptions, agent, description);
    },

    /** Undefined when the agent was never seen (or lapsed). */
    async get(agent: string, nowMs: number): Promise<AgentPresence | undefined> {
      const [seen, ended, description, waitingUntil] = await Promise.all([
        redis.call(keys.agents, 'ZSCORE', keys.agents, agent),
        redis.call(keys.ended, 'ZSCORE', keys.ended, agent),
        redis.call(keys.descriptions, 'HGET', keys.descriptions, agent),
        redis.call(keys.waiting, 'ZSCORE', keys.waiting, agent),
      ]);
      if (seen === null || seen === undefined) return undefined;
      return {
        agentId: agent,
        lastSeenMs: Number(seen),
        endedAtMs: numberOrUndefined(ended),
        description: typeof description === 'string' ? description : undefined,
        waiting: (numberOrUndefined(waitingUntil) ?? 0) > nowMs,
      };
    },

    /** The `limit` most recently seen agents (seen since `sinceMs`), newest first, and how many are known. */
    async list(
      limit: number,
      nowMs: number,
      sinceMs = 0,
    ): Promise<{ agents: AgentPresence[]; total: number }> {
      const [seenReply, total] = await Promise.all([
        redis.call(
          keys.agents,
          'ZREVRANGEBYSCORE',
          keys.agents,
          '+inf',
          sinceMs,
          'WITHSCORES',
          'LIMIT',
          0,
          limit,
        ),
        redis.call(keys.agents, 'ZCARD', keys.agents),
      ]);
      const seen = pairs(seenReply);
      if (seen.length === 0) return { agents: [], total: Number(total) };
      const names = seen.map((s) => s.value);
      const [ended, descriptions, waiting] = await Promise.all([
        redis.call(keys.ended, 'ZMSCORE', keys.ended, ...names),
        redis.call(keys.descriptions, 'HMGET', keys.descriptions, ...names),
        redis.call(keys.waiting, 'ZMSCORE', keys.waiting, ...names),
      ]);
      const endedList = Array.isArray(ended) ? ended : [];
      const descList = Array.isArray(descriptions) ? descriptions : [];
      const waitList = Array.isArray(waiting) ? waiting : [];
      return {
        agents: seen.map((s, i) => ({
          agentId: s.value,
          lastSeenMs: s.score,
          endedAtMs: numberOrUndefined(endedList[i]),
          description: typeof descList[i] === 'string' ? (descList[i] as string) : undefined,
          waiting: (numberOrUndefined(waitList[i]) ?? 0) > nowMs,
        })),
        total: Number(total),
      };
    },

    /** How many agents were seen since `sinceMs`. */
    async countSince(sinceMs: number): Promise<number> {
      return Number(await redis.call(keys.agents, 'ZCOUNT', keys.agents, sinceMs, '+inf'));
    },

    /** Agents not seen since `beforeMs`, at most `limit`: they lapse from the directory. */
    async lapse(beforeMs: number, limit: number): Promise<string[]> {
      const reply = await redis.call(
        keys.agents,
        'ZRANGEBYSCORE',
        keys.agents,
        '-inf',
        `(${beforeMs}`,
        'LIMIT',
        0,
        limit,
      );
      const gone = Array.isArray(reply) ? reply.map(String) : [];
      if (gone.length === 0) return [];
      await Promise.all([
        redis.call(keys.agents, 'ZREM', keys.agents, ...gone),
        redis.call(keys.ended, 'ZREM', keys.ended, ...gone),
        redis.call(keys.descriptions, 'HDEL', keys.descriptions, ...gone),
      ]);
      return gone;
    },

    /**
     * Shows `agents` as listening (inside wait_for_request) until `untilMs` unless renewed; a lease
     * that lapses (its process died) drops them. Several processes may mark one agent.
     */
    async markWaiting(agents: readonly string[], untilMs: number, nowMs: number): Promise<void> {
      await Promise.all([
        agents.length > 0
          ? redis.call(
              keys.waiting,
              'ZADD',
              keys.waiting,
              'GT',
              ...agents.flatMap((a) => [untilMs, a]),
            )
          : undefined,
        redis.call(keys.waiting, 'ZREMRANGEBYSCORE', keys.waiting, '-inf', `(${nowMs}`),
      ]);
    },

    /** This process has no wait of `agent` open any more (another process renews its own). */
    async unmarkWaiting(agent: string): Promise<void> {
      await redis.call(keys.waiting, 'ZREM', keys.waiting, agent);
    },
  };
}
