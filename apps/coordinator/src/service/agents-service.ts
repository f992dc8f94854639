/**
 * @module Agents: presence (seen, ended, described), status, the directory, and who is known. An
 * agent is recorded only once its call is authenticated, the number of known agents is bounded,
 * and every in-process memory of agents forgets them after a short while.
 */
import {
  type AgentInfo,
  type AgentStatus,
  IDLE_WINDOW_SECONDS,
  ONLINE_WINDOW_SECONDS,
} from '@c3po/protocol';
import { AppError } from '../errors.js';
import type { Store } from '../store/create-store.js';
import type { AgentPresence } from '../store/presence-store.js';
import type { Background } from './background.js';

/** The directory lists at most this many agents, most recently seen first. */
const LIST_LIMIT = 200;
/** A process writes an agent's last-seen time at most this often. */
const TOUCH_EVERY_MS = 1_000;
/** A process trusts that an agent is known (admitted) for this long without asking Redis. */
const KNOWN_FOR_MS = 60_000;

export function statusOf(p: AgentPresence, nowMs: number): AgentStatus {
  if (p.waiting) return 'online';
  if (p.endedAtMs !== undefined && p.endedAtMs >= p.lastSeenMs) return 'offline';
  const age = nowMs - p.lastSeenMs;
  if (age <= ONLINE_WINDOW_SECONDS * 1000) return 'online';
  if (age <= IDLE_WINDOW_SECONDS * 1000) return 'idle';
  return 'offline';
}

/** A map whose entries are dropped once older than `ttlMs` (swept as it is used). */
function expiringMap<V>(ttlMs: number) {
  const entries = new Map<string, { value: V; at: number }>();
  let sweptAt = Date.now();
  return {
    get(key: string, now: number): V | undefined {
      if (now - sweptAt > ttlMs) {
        for (const [k, e] of entries) if (now - e.at > ttlMs) entries.delete(k);
        sweptAt = now;
      }
      const e = entries.get(key);
      return e && now - e.at <= ttlMs ? e.value : undefined;
    },
    set: (key: string, value: V, now: number) => entries.set(key, { value, at: now }),
    delete: (key: string) => entries.delete(key),
    get size() {
      return entries.size;
    },
  };
}

export type AgentsService = ReturnType<typeof createAgentsService>;

export function createAgentsService(
  store: Store,
  config: { maxAgents: number },
  background: Background,
) {
  const touched = expiringMap<true>(TOUCH_EVERY_MS);
  const known = expiringMap<true>(KNOWN_FOR_MS);
  const described = expiringMap<string>(KNOWN_FOR_MS);

  const toInfo = (p: AgentPresence, nowMs: number): AgentInfo => ({
    agent_id: p.agentId,
    status: statusOf(p, nowMs),
    last_seen: new Date(p.lastSeenMs).toISOString(),
    waiting: p.waiting,
    ...(p.description ? { description: p.description } : {}),
  });

  const list = async (nowMs = Date.now()): Promise<{ agents: AgentInfo[]; total: number }> => {
    const { agents, total } = await store.presence.list(LIST_LIMIT, nowMs);
    return { agents: agents.map((p) => toInfo(p, nowMs)), total };
  };

  return {
    list,
    statusOf,

    /**
     * Records that an authenticated `agent` made a call (and what it says it is for). A new agent
     * is refused once the coordinator knows `maxAgents`; otherwise this never fails the call.
     */
    async seen(agent: string, description?: string): Promise<void> {
      const now = Date.now();
      if (description !== undefined && described.get(agent, now) !== description) {
        described.set(agent, description, now);
        background('recording a description', () => store.presence.describe(agent, description));
      }
      if (touched.get(agent, now)) return;
      touched.set(agent, true, now);
      if (known.get(agent, now)) {
        background('recording presence', () => store.presence.touch(agent, now, config.maxAgents));
        return;
      }
      const admitted = await store.presence.touch(agent, now, config.maxAgents).catch(() => true);
      if (!admitted) {
        touched.delete(agent);
        throw new AppError(
          'forbidden',
          `This coordinator already knows ${config.maxAgents} agents, the most it keeps, and "${agent}" is not one of them.`,
          {
            hint: 'Use an agent ID that has connected before, or ask the operator to raise C3PO_MAX_AGENTS (idle agents are forgotten after the retention period).',
          },
        );
      }
      known.set(agent, true, now);
    },

    /** The agent's session ended: offline until its next call; its inbox stays. */
    async end(agent: string): Promise<void> {
      touched.delete(agent);
      await store.presence.end(agent, Date.now());
    },

    /** The error for a recipient never seen, listing the known ones. */
    async unknownAgent(agent: string): Promise<AppError> {
      const names = (await store.presence.list(50, Date.now())).agents.map((p) => p.agentId);
      return new AppError(
        'unknown_agent',
        `No agent named "${agent}" has connected to this coordinator (recently enough to be known).`,
        {
          hint:
            names.length > 0
              ? `Known agents: ${names.join(', ')}. Agent IDs are case-sensitive; check the name with list_agents.`
              : 'No agent has connected yet. The other agent must start Claude Code with the C3PO plugin first.',
          details: { known_agents: names },
        },
      );
    },

    /** How many agents were seen in the online window (one command, whatever their number). */
    onlineCount: () => store.presence.countSince(Date.now() - ONLINE_WINDOW_SECONDS * 1000),

    /** In-process memory sizes, for tests and metrics. */
    memory: () => ({ touched: touched.size, known: known.size, described: described.size }),
  };
}
