/** @module Agents: presence (seen, ended), status, the directory, and who is known. */
import {
  type AgentInfo,
  type AgentStatus,
  IDLE_WINDOW_SECONDS,
  ONLINE_WINDOW_SECONDS,
} from '@c3po/protocol';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/create-store.js';
import type { AgentPresence } from '../store/presence-store.js';

/** The directory lists at most this many agents, most recently seen first. */
const LIST_LIMIT = 200;
/** A process writes an agent's last-seen time at most this often. */
const TOUCH_EVERY_MS = 1_000;

export function statusOf(p: AgentPresence, nowMs: number): AgentStatus {
  if (p.waiting) return 'online';
  if (p.endedAtMs !== undefined && p.endedAtMs >= p.lastSeenMs) return 'offline';
  const age = nowMs - p.lastSeenMs;
  if (age <= ONLINE_WINDOW_SECONDS * 1000) return 'online';
  if (age <= IDLE_WINDOW_SECONDS * 1000) return 'idle';
  return 'offline';
}

export type AgentsService = ReturnType<typeof createAgentsService>;

export function createAgentsService(store: Store, logger: Logger) {
  const lastTouch = new Map<string, number>();

  const list = async (nowMs = Date.now()): Promise<{ agents: AgentInfo[]; total: number }> => {
    const { agents, total } = await store.presence.list(LIST_LIMIT, nowMs);
    return {
      agents: agents.map((p) => ({
        agent_id: p.agentId,
        status: statusOf(p, nowMs),
        last_seen: new Date(p.lastSeenMs).toISOString(),
        waiting: p.waiting,
      })),
      total,
    };
  };

  return {
    list,

    /** Records that `agent` made a call. Never fails the call: presence is best effort. */
    touch(agent: string): void {
      const now = Date.now();
      if (now - (lastTouch.get(agent) ?? 0) < TOUCH_EVERY_MS) return;
      lastTouch.set(agent, now);
      store.presence.touch(agent, now).catch((err: unknown) => {
        lastTouch.delete(agent);
        logger.debug({ agent, err: String(err) }, 'presence update failed');
      });
    },

    /** The agent's session ended: offline until its next call; its inbox stays. */
    async end(agent: string): Promise<void> {
      lastTouch.delete(agent);
      await store.presence.end(agent, Date.now());
    },

    /** The recipient's status; refuses an agent never seen, listing the known ones. */
    async requireKnown(agent: string): Promise<AgentStatus> {
      const now = Date.now();
      const presence = await store.presence.get(agent, now);
      if (presence) return statusOf(presence, now);
      const known = (await store.presence.list(50, now)).agents.map((p) => p.agentId);
      throw new AppError(
        'unknown_agent',
        `No agent named "${agent}" has ever connected to this coordinator.`,
        {
          hint:
            known.length > 0
              ? `Known agents: ${known.join(', ')}. Agent IDs are case-sensitive; check the name with list_agents.`
              : 'No agent has connected yet. The other agent must start Claude Code with the C3PO plugin first.',
          details: { known_agents: known },
        },
      );
    },

    /** How many agents count as online now. */
    async onlineCount(): Promise<number> {
      const now = Date.now();
      const { agents } = await store.presence.list(
        100_000,
        now,
        now - ONLINE_WINDOW_SECONDS * 1000,
      );
      return agents.filter((p) => statusOf(p, now) === 'online').length;
    },
  };
}
