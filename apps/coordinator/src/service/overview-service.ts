/**
 * @module The operator view: what the status page and `c3po` show (agents, conversations as whole
 * threads, requests in flight and given up, the coordinator's health), and the live feed of request
 * events, read from Redis only while someone listens. Read-only: nothing here changes a request.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type ConversationSummary,
  type OperatorAgent,
  type OperatorEvent,
  type OperatorRequests,
  type OperatorStatus,
  type OperatorThread,
  PREVIEW_CHARS,
  type ThreadMessage,
} from '@c3po/protocol';
import { AppError } from '../errors.js';
import type { Store } from '../store/create-store.js';
import type { StoredEvent } from '../store/events-store.js';
import type { ConversationEntry } from '../store/overview-store.js';
import type { AgentsService } from './agents-service.js';
import type { WaitsService } from './waits-service.js';

/** Conversations listed when no limit is given. */
const CONVERSATIONS_DEFAULT = 50;
/** Recent conversations looked through for those of one agent. */
const CONVERSATIONS_SCANNED = 500;
/** Messages of a thread shown at most (the most recent ones). */
const THREAD_LIMIT = 500;
/** Events read at most to find when a thread's ended requests were delivered. */
const DELIVERED_EVENTS_SCANNED = 2_000;
/** Open requests listed at most (the index of deadlines is read soonest first). */
const IN_FLIGHT_LIMIT = 200;
/** Given-up requests read per agent, and listed in all. */
const DEAD_LETTERS_PER_AGENT = 20;
const DEAD_LETTERS_LIMIT = 100;
/** How often the live feed looks for new events while someone listens. */
const EVENTS_POLL_MS = 500;
const EVENTS_BATCH = 100;

const iso = (ms: number) => new Date(ms).toISOString();
const secondsSince = (ms: number, nowMs: number) => Math.max(0, Math.floor((nowMs - ms) / 1000));
const preview = (text: string) => [...text].slice(0, PREVIEW_CHARS).join('');
const timeOf = (at: string | undefined) => (at ? Date.parse(at) : Number.NaN);

/** The stored event as the feed sends it; undefined for an entry that is not a request event. */
function toEvent(e: StoredEvent): OperatorEvent | undefined {
  const f = e.fields;
  if (!f.type || !f.request_id) return undefined;
  return {
    id: e.id,
    type: f.type,
    request_id: f.request_id,
    conversation_id: f.conversation_id ?? '',
    from: f.from ?? '',
    to: f.to ?? '',
    at: iso(Number(f.at ?? e.id.split('-')[0])),
  };
}

function lastMessage(entry: ConversationEntry): ConversationSummary['last_message'] {
  const m = entry.message;
  const text = m.type === 'request' ? m.message : m.type === 'response' ? m.response : '';
  return { type: m.type, from: m.from, to: m.to, preview: preview(text), at: iso(entry.atMs) };
}

export interface OverviewDeps {
  agents: AgentsService;
  waits: WaitsService;
  authMode: 'open' | 'token';
}

export type OverviewService = ReturnType<typeof createOverviewService>;

export function createOverviewService(store: Store, deps: OverviewDeps) {
  const { agents, waits } = deps;

  return {
    /** The coordinator, its Redis and the counts on the status page's header. */
    async status(version: string): Promise<OperatorStatus> {
      const nodes = await store.ping();
      const ok = nodes.every((n) => n.ok);
      const redis = { ok, mode: store.mode, nodes };
      const base = { version, auth_mode: deps.authMode, redis, waiters: waits.openCount() };
      if (!ok) {
        throw new AppError('unavailable', 'The coordinator cannot reach Redis right now.', {
          hint: 'It reconnects by itself; see /api/health and the coordinator log.',
          retryAfterSeconds: 5,
          details: base,
        });
      }
      const list = await agents.list();
      const names = list.agents.map((a) => a.agent_id);
      const [online, inFlight, conversations, deadLetters] = await Promise.all([
        agents.onlineCount(),
        store.deadlines.count(),
        store.overview.conversationCount(),
        store.overview.deadLetterCounts(names),
      ]);
      return {
        ...base,
        agents: {
          known: list.total,
          online,
          waiting: list.agents.filter((a) => a.waiting).length,
        },
        requests: {
          in_flight: inFlight,
          dead_lettered: deadLetters.reduce((sum, n) => sum + n, 0),
        },
        conversations,
        generated_at: iso(Date.now()),
      };
    },

    /** The figures metrics read from Redis at each scrape. */
    async gauges() {
      const [{ agents: listed }, openRequests] = await Promise.all([
        this.agents(),
        store.deadlines.count(),
      ]);
      const byStatus = { online: 0, idle: 0, offline: 0 };
      for (const a of listed) byStatus[a.status] += 1;
      return {
        openRequests,
        inboxMax: Math.max(0, ...listed.map((a) => a.inbox)),
        agents: byStatus,
      };
    },

    /** The most recently seen agents with their inbox depth. */
    async agents(): Promise<{ agents: OperatorAgent[]; total: number }> {
      const list = await agents.list();
      const depths = await store.inbox.depths(list.agents.map((a) => a.agent_id));
      return {
        agents: list.agents.map((a, i) => ({ ...a, inbox: depths[i] ?? 0 })),
        total: list.total,
      };
    },

    /** Conversations, most recently active first; with `agent`, only those it took part in. */
    async conversations(opts: { agent?: string; limit?: number }): Promise<ConversationSummary[]> {
      const limit = opts.limit ?? CONVERSATIONS_DEFAULT;
      const recent = await store.conversations.recent(
        opts.agent ? CONVERSATIONS_SCANNED : limit,
        0,
      );
      const summaries = await store.overview.summaries(recent.map((r) => r.id));
      const out: ConversationSummary[] = [];
      summaries.forEach((s, i) => {
        if (!s || (opts.agent && !s.participants.includes(opts.agent))) return;
        const indexedMs = recent[i]?.lastMs ?? 0;
        out.push({
          conversation_id: s.id,
          participants: s.participants,
          messages: s.total,
          started_at: iso(s.first.atMs),
          last_activity_at: iso(Math.max(indexedMs, s.last.atMs)),
          last_message: lastMessage(s.last),
        });
      });
      out.sort((a, b) => b.last_activity_at.localeCompare(a.last_activity_at));
      return out.slice(0, limit);
    },

    /** One conversation as its thread, oldest first, each request with its state and timings. */
    async thread(conversationId: string): Promise<OperatorThread> {
      const thread = await store.overview.thread(conversationId, THREAD_LIMIT);
      if (!thread) {
        throw new AppError(
          'not_found',
          `No conversation ${conversationId} exists (conversations expire after a period of silence).`,
          { hint: 'Pick a conversation_id from the list of conversations.' },
        );
      }
      const ends = new Map<string, { state: 'answered' | 'expired' | 'cancelled'; at: number }>();
      for (const e of thread.entries) {
        if (e.message.type === 'response')
          ends.set(e.message.request_id, {
            state: e.endState === 'expired' ? 'expired' : 'answered',
            at: e.atMs,
          });
        if (e.message.type === 'cancellation')
          ends.set(e.message.request_id, { state: 'cancelled', at: e.atMs });
      }
      const requests = thread.entries.flatMap((e) => (e.message.type === 'request' ? [e] : []));
      const records = await Promise.all(
        requests.map(({ message: m }) => store.requests.get(m.to, m.request_id)),
      );
      // An ended request's record no longer says when it was delivered; its event does.
      const ended = requests.filter((_, i) => records[i]?.record.state !== 'queued');
      const delivered = await store.overview.deliveredAt(
        ended.map((e) => e.message.request_id),
        Math.min(...ended.map((e) => e.atMs)),
        Math.max(...thread.entries.map((e) => e.atMs)),
        DELIVERED_EVENTS_SCANNED,
      );
      const recordOf = new Map(requests.map((e, i) => [e.message.request_id, records[i]]));
      const messages = thread.entries.map(({ message: m }): ThreadMessage | undefined => {
        if (m.type !== 'request') return m;
        const { state: _state, ...request } = m;
        const end = ends.get(m.request_id);
        const got = recordOf.get(m.request_id);
        // No record and no end: a send that never committed (or a record past retention).
        if (!got) return end ? { ...request, state: end.state, ended_at: iso(end.at) } : undefined;
        const r = got.record;
        const deliveredMs = got.deliveredAtMs ?? delivered.get(m.request_id);
        const endedAt = r.answered_at ?? r.ended_at ?? (end ? iso(end.at) : undefined);
        return {
          ...request,
          state:
            r.state === 'queued' ? (deliveredMs === undefined ? 'queued' : 'delivered') : r.state,
          expires_at: iso(r.expires_at),
          ...(deliveredMs !== undefined ? { delivered_at: iso(deliveredMs) } : {}),
          ...(r.state !== 'queued' && endedAt ? { ended_at: endedAt } : {}),
        };
      });
      return {
        conversation_id: conversationId,
        participants: thread.participants,
        total: thread.total,
        messages: messages.filter((m) => m !== undefined),
      };
    },

    /** Requests in flight (soonest deadline first) and the latest given-up ones (newest first). */
    async requests(): Promise<OperatorRequests> {
      const now = Date.now();
      const [open, total, list] = await Promise.all([
        store.deadlines.due(Number.POSITIVE_INFINITY, IN_FLIGHT_LIMIT),
        store.deadlines.count(),
        agents.list(),
      ]);
      const [records, letters] = await Promise.all([
        Promise.all(open.map((d) => store.requests.get(d.recipient, d.requestId))),
        Promise.all(
          list.agents.map((a) => store.requests.deadLetters(a.agent_id, DEAD_LETTERS_PER_AGENT)),
        ),
      ]);
      const inFlight: OperatorRequests['in_flight'] = [];
      for (const got of records) {
        // Ended but not yet out of the index, or a send that never committed.
        if (got?.record.state !== 'queued') continue;
        const r = got.record;
        const createdMs = timeOf(r.created_at);
        inFlight.push({
          request_id: r.request_id,
          conversation_id: r.conversation_id,
          from: r.from,
          to: r.to,
          state: got.deliveredAtMs === undefined ? 'queued' : 'delivered',
          preview: r.preview,
          created_at: r.created_at,
          expires_at: iso(r.expires_at),
          ...(got.deliveredAtMs !== undefined ? { delivered_at: iso(got.deliveredAtMs) } : {}),
          age_seconds: Number.isNaN(createdMs) ? 0 : secondsSince(createdMs, now),
        });
      }
      const deadLetters = letters
        .flat()
        .filter((d) => d.request_id && d.created_at && d.ended_at)
        .map((d) => ({
          request_id: d.request_id ?? '',
          conversation_id: d.conversation_id ?? '',
          from: d.from ?? '',
          to: d.to ?? '',
          reason: d.reason === 'expire' ? ('expired' as const) : ('dead_lettered' as const),
          deliveries: Number(d.deliveries ?? 0),
          preview: d.preview ?? '',
          created_at: d.created_at ?? '',
          ended_at: d.ended_at ?? '',
          age_seconds: secondsSince(timeOf(d.created_at) || now, now),
        }))
        .sort((a, b) => b.ended_at.localeCompare(a.ended_at))
        .slice(0, DEAD_LETTERS_LIMIT);
      return { in_flight: inFlight, in_flight_total: total, dead_letters: deadLetters };
    },

    /**
     * The live feed: first the latest `backlog` events (or those after `after`), then every new
     * one, polling Redis every 500 ms for as long as the caller listens. Each step yields a batch,
     * empty when nothing happened, so the caller can keep its connection alive. Ends when `signal`
     * aborts or the coordinator stops; a Redis outage only delays it.
     */
    async *events(opts: {
      after?: string;
      backlog: number;
      signal: AbortSignal;
    }): AsyncGenerator<OperatorEvent[]> {
      const keep = (batch: StoredEvent[]) =>
        batch.map(toEvent).filter((e): e is OperatorEvent => e !== undefined);
      let cursor: string;
      if (opts.after === undefined) {
        const latest = await store.events.latest(Math.max(opts.backlog, 1));
        cursor = latest.at(-1)?.id ?? '0-0';
        yield opts.backlog > 0 ? keep(latest) : [];
      } else {
        cursor = opts.after;
        yield [];
      }
      while (!opts.signal.aborted && !waits.isStopping()) {
        await sleep(EVENTS_POLL_MS, undefined, { signal: opts.signal }).catch(() => {});
        if (opts.signal.aborted) return;
        const batch: StoredEvent[] = await store.events.after(cursor, EVENTS_BATCH).catch(() => []);
        const last = batch.at(-1);
        if (last) cursor = last.id;
        yield keep(batch);
      }
    },
  };
}
