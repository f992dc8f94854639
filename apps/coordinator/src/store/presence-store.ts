/** @module Presence: when each agent was last seen, whether it ended its session, who is waiting. */
import type { Keys } from './keys.js';
import type { RedisClient } from './redis-client.js';

export interface AgentPresence {
  agentId: string;
  lastSeenMs: number;
  endedAtMs: number | undefined;
  description: string | undefined;
}

export type PresenceStore = ReturnType<typeof createPresenceStore>;

export function createPresenceStore(client: RedisClient, keys: Keys) {
  const waitMember = (agent: string, waitId: string) => `${agent} ${waitId}`;
  return {
    async touch(agent: string, nowMs: number): Promise<void> {
      await client.zAdd(keys.agents, { score: nowMs, value: agent });
    },

    /** Marks the agent offline (its session ended) until its next call. */
    async end(agent: string, nowMs: number): Promise<void> {
      await Promise.all([
        client.zAdd(keys.agents, { score: nowMs, value: agent }),
        client.hSet(keys.profile(agent), 'ended_at', String(nowMs)),
      ]);
    },

    async setDescription(agent: string, description: string): Promise<void> {
      await client.hSet(keys.profile(agent), 'description', description);
    },

    /** Undefined when the agent was never seen. */
    async get(agent: string): Promise<AgentPresence | undefined> {
      const [score, profile] = await Promise.all([
        client.zScore(keys.agents, agent),
        client.hGetAll(keys.profile(agent)),
      ]);
      if (score === null) return undefined;
      return toPresence(agent, score, profile);
    },

    /** The most recently seen agents, newest first. */
    async list(limit: number, sinceMs = 0): Promise<AgentPresence[]> {
      const seen = await client.zRangeWithScores(keys.agents, '+inf', sinceMs, {
        BY: 'SCORE',
        REV: true,
        LIMIT: { offset: 0, count: limit },
      });
      const profiles = await Promise.all(seen.map((s) => client.hGetAll(keys.profile(s.value))));
      return seen.map((s, i) => toPresence(s.value, s.score, profiles[i] ?? {}));
    },

    async startWaiting(agent: string, waitId: string, untilMs: number): Promise<void> {
      await client.zAdd(keys.waiting, { score: untilMs, value: waitMember(agent, waitId) });
    },

    async stopWaiting(agent: string, waitId: string): Promise<void> {
      await client.zRem(keys.waiting, waitMember(agent, waitId));
    },

    /** Agents inside wait_for_request now (entries of crashed processes expire by their deadline). */
    async waitingAgents(nowMs: number): Promise<Set<string>> {
      const [members] = await Promise.all([
        client.zRangeByScore(keys.waiting, nowMs, '+inf'),
        client.zRemRangeByScore(keys.waiting, '-inf', nowMs - 60_000),
      ]);
      return new Set(members.map((m) => m.split(' ')[0] ?? m));
    },
  };
}

function toPresence(
  agentId: string,
  score: number,
  profile: Record<string, string>,
): AgentPresence {
  const ended = profile.ended_at === undefined ? undefined : Number(profile.ended_at);
  return { agentId, lastSeenMs: score, endedAtMs: ended, description: profile.description };
}
