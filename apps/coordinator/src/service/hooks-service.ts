/**
 * @module What the plugin's hooks tell an agent: presence at session start, a Stop that blocks
 * once for each request it has not announced yet, a once-per-request notice after tool calls, and
 * a line of context with each prompt while requests wait. Never a loop: a request a Stop announced
 * is only mentioned in context after that, never blocked for again.
 */
import type { AgentInfo, PendingItem } from '@c3po/protocol';
import type { Store } from '../store/create-store.js';
import type { AgentsService } from './agents-service.js';
import type { RequestsService } from './requests-service.js';

/** A session whose hooks ran this recently counts as live. */
const LIVE_SESSION_MS = 30 * 60 * 1000;
/** Requests a hook looks at (and previews) at most. */
const HOOK_LIMIT = 20;
/** The plugin's own tools: after one of them the agent is already dealing with C3PO. */
const OWN_TOOL = /^mcp__.*c3po.*__/;

export interface Announcement {
  /** Unanswered requests in all. */
  total: number;
  /** The ones to show (oldest first, at most HOOK_LIMIT). */
  items: PendingItem[];
}

export type HooksService = ReturnType<typeof createHooksService>;

export function createHooksService(store: Store, agents: AgentsService, requests: RequestsService) {
  return {
    async sessionStart(agent: string, session: string | undefined) {
      const now = Date.now();
      const [otherSessions, { agents: known }, pending] = await Promise.all([
        session ? store.hooks.touchSession(agent, session, now, now - LIVE_SESSION_MS) : [],
        agents.list(now),
        requests.peek(agent, HOOK_LIMIT),
      ]);
      // The session starts knowing these; after-tool notices are for requests that arrive later.
      if (session)
        await store.hooks.announce(
          agent,
          session,
          'tool',
          pending.requests.map((r) => r.request_id),
        );
      const online: AgentInfo[] = known.filter(
        (a) => a.agent_id !== agent && a.status === 'online',
      );
      return { online, pendingCount: pending.count, otherSessions };
    },

    /** What a Stop should block for (requests it never announced), or undefined to let the agent stop. */
    async stop(agent: string, session: string | undefined): Promise<Announcement | undefined> {
      const pending = await requests.peek(agent, HOOK_LIMIT);
      if (pending.count === 0 || !session) return undefined;
      const ids = pending.requests.map((r) => r.request_id);
      const unseen = await store.hooks.announce(agent, session, 'stop', ids);
      if (unseen.length === 0) return undefined;
      return {
        total: pending.count,
        items: pending.requests.filter((r) => unseen.includes(r.request_id)),
      };
    },

    /** How many requests wait, for a line of context with the human's prompt (0: say nothing). */
    async prompt(agent: string): Promise<number> {
      return (await requests.peek(agent, 1)).count;
    },

    /** Requests to mention after a tool call: each once per session. */
    async postToolUse(agent: string, session: string | undefined, toolName: string | undefined) {
      const pending = await requests.peek(agent, HOOK_LIMIT);
      if (pending.count === 0 || !session) return undefined;
      const unseen = await store.hooks.announce(
        agent,
        session,
        'tool',
        pending.requests.map((r) => r.request_id),
      );
      if (unseen.length === 0 || (toolName && OWN_TOOL.test(toolName))) return undefined;
      return {
        total: pending.count,
        items: pending.requests.filter((r) => unseen.includes(r.request_id)),
      };
    },

    async sessionEnd(agent: string, session: string | undefined): Promise<void> {
      await Promise.all([
        agents.end(agent),
        session ? store.hooks.endSession(agent, session) : undefined,
      ]);
    },
  };
}
