/** @module Presence: when each agent was last seen, whether it ended its session, who is waiting. */
import type { Keys } from './keys.js';
import type { RedisClient } from './redis-client.js';
import type { RunScript } from './script-runner.js';

export interface AgentPresence {
  agentId: string;
  lastSeenMs: number;
  endedAtMs: number | undefined;
  /** Inside wait_for_request now. */
  waiting: boolean;
}

export type PresenceStore = ReturnType<typeof createPresenceStore>;

/**
 * A constant number of commands per call, whatever the number of agents: the directory is three
 * sorted sets, and each agent's own open waits are one more.
 */
export function createPresenceStore(client: RedisClient, run: RunScript, keys: Keys) {
  const waitMember = (agent: string, waitId: string) => `${agent} ${waitId}`;

  /** Agents with an open wait (entries past their deadline belong to crashed processes). */
  const waitingAgents = async (nowMs: number) => {
    const members = await client.zRangeByScore(keys.waiting, nowMs, '+inf');
    return new Set(members.map((m) => m.slice(0, m.indexOf(' '))));
  };

  const withDetails = async (
    seen: { value: string; score: number }[],
    nowMs: number,
  ): Promise<AgentPresence[]> => {
    if (seen.length === 0) return [];
    const [ended, waiting] = await Promise.all([
      client.zmScore(
        keys.ended,
        seen.map((s) => s.value),
      ),
      waitingAgents(nowMs),
    ]);
    return seen.map((s, i) => ({
      agentId: s.value,
      lastSeenMs: s.score,
      endedAtMs: ended[i] ?? undefined,
      waiting: waiting.has(s.value),
    }));
  };

  return {
    async touch(agent: string, nowMs: number): Promise<void> {
      await client.zAdd(keys.agents, { score: nowMs, value: agent });
    },

    /** Marks the agent offline (its session ended) until its next call. */
    async end(agent: string, nowMs: number): Promise<void> {
      await Promise.all([
        client.zAdd(keys.agents, { score: nowMs, value: agent }),
        client.zAdd(keys.ended, { score: nowMs, value: agent }),
      ]);
    },

    /** Undefined when the agent was never seen. */
    async get(agent: string, nowMs: number): Promise<AgentPresence | undefined> {
      const [score, ended, waits] = await Promise.all([
        client.zScore(keys.agents, agent),
        client.zScore(keys.ended, agent),
        client.zCount(keys.waits(agent), nowMs, '+inf'),
      ]);
      if (score === null) return undefined;
      return {
        agentId: agent,
        lastSeenMs: score,
        endedAtMs: ended ?? undefined,
        waiting: waits > 0,
      };
    },

    /** The `limit` most recently seen agents (seen since `sinceMs`), newest first, and how many are known. */
    async list(
      limit: number,
      nowMs: number,
      sinceMs = 0,
    ): Promise<{ agents: AgentPresence[]; total: number }> {
      const [seen, total] = await Promise.all([
        client.zRangeWithScores(keys.agents, '+inf', sinceMs, {
          BY: 'SCORE',
          REV: true,
          LIMIT: { offset: 0, count: limit },
        }),
        client.zCard(keys.agents),
      ]);
      return { agents: await withDetails(seen, nowMs), total };
    },

    /**
     * Records an open wait until its deadline (so a crashed process cannot leave it behind), unless
     * the agent already has `limit` open. Waits for requests also show in the directory.
     */
    async startWait(
      agent: string,
      kind: 'request' | 'response',
      waitId: string,
      w: { nowMs: number; untilMs: number; limit: number },
    ): Promise<boolean> {
      const started = await run(
        'start-wait-1',
        [keys.waits(agent)],
        [w.nowMs, w.untilMs, `${kind}:${waitId}`, w.limit],
      );
      if (Number(started) !== 1) return false;
      if (kind === 'request') {
        await Promise.all([
          client.zAdd(keys.waiting, { score: w.untilMs, value: waitMember(agent, waitId) }),
          client.zRemRangeByScore(keys.waiting, '-inf', w.nowMs),
        ]);
      }
      return true;
    },

    async stopWait(agent: string, kind: 'request' | 'response', waitId: string): Promise<void> {
      await Promise.all([
        client.zRem(keys.waits(agent), `${kind}:${waitId}`),
        kind === 'request' ? client.zRem(keys.waiting, waitMember(agent, waitId)) : undefined,
      ]);
    },
  };
}
