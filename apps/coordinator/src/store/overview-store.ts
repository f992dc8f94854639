/**
 * @module Read-only verbs for the operator view: conversations read whole (not as one of their
 * agents), and counts. Each verb is one parallel round trip of bounded commands.
 */
import { type ConversationMessage, ConversationMessageSchema } from '@c3po/protocol';
import { fieldsToRecord } from './codec.js';
import type { Keys } from './keys.js';
import type { RedisConnections } from './redis-client.js';

/** A conversation entry as the operator reads it. */
export interface ConversationEntry {
  message: ConversationMessage;
  /** When it was appended (ms), from its stream entry ID. */
  atMs: number;
  /** On an answer entry: the state its request ended in (`answered` or `expired`). */
  endState: string | undefined;
}

/** Who took part in a conversation, and how many messages it has. */
export interface ConversationMembers {
  participants: string[];
  total: number;
}

/** Stream entries (`[[id, [field, value, ...]], ...]`) as conversation entries; unreadable ones are skipped. */
function toEntries(reply: unknown): ConversationEntry[] {
  const out: ConversationEntry[] = [];
  for (const raw of Array.isArray(reply) ? reply : []) {
    const [id, fields] = raw as [string, string[]];
    const record = fieldsToRecord(fields);
    const parsed = ConversationMessageSchema.safeParse(record);
    if (!parsed.success) continue;
    out.push({ message: parsed.data, atMs: Number(id.split('-')[0]), endState: record.state });
  }
  return out;
}

/** The members hash (`agent` → read position, `#` → message count) as participants and a total. */
function toMembers(reply: unknown): ConversationMembers {
  const members = fieldsToRecord(Array.isArray(reply) ? reply : []);
  return {
    participants: Object.keys(members)
      .filter((k) => k !== '#')
      .sort(),
    total: Number(members['#'] ?? 0),
  };
}

export type OverviewStore = ReturnType<typeof createOverviewStore>;

export function createOverviewStore(redis: RedisConnections, keys: Keys) {
  const range = (c: string, order: 'XRANGE' | 'XREVRANGE', count: number) => {
    const key = keys.conversation(c);
    return order === 'XRANGE'
      ? redis.call(key, 'XRANGE', key, '-', '+', 'COUNT', count)
      : redis.call(key, 'XREVRANGE', key, '+', '-', 'COUNT', count);
  };
  const members = (c: string) =>
    redis.call(keys.conversationMembers(c), 'HGETALL', keys.conversationMembers(c));

  return {
    /** How many conversations the index of recent conversations holds. */
    async conversationCount(): Promise<number> {
      return Number(await redis.call(keys.conversations, 'ZCARD', keys.conversations));
    },

    /** For each conversation: its members, first and last entry (undefined once it expired). */
    async summaries(ids: readonly string[]) {
      return Promise.all(
        ids.map(async (id) => {
          const [m, first, last] = await Promise.all([
            members(id),
            range(id, 'XRANGE', 1),
            range(id, 'XREVRANGE', 1),
          ]);
          const [head] = toEntries(first);
          const [tail] = toEntries(last);
          if (!head || !tail) return undefined;
          return { id, ...toMembers(m), first: head, last: tail };
        }),
      );
    },

    /** The most recent `limit` entries of a conversation, oldest first; undefined when it is gone. */
    async thread(id: string, limit: number) {
      const [m, entries] = await Promise.all([members(id), range(id, 'XREVRANGE', limit)]);
      const list = toEntries(entries).reverse();
      if (list.length === 0) return undefined;
      return { ...toMembers(m), entries: list };
    },

    /**
     * When each of `requestIds` was first delivered, from the `delivered` events between `fromMs`
     * and `toMs` (at most `max` events are read; a request whose event is not among them is left out).
     */
    async deliveredAt(
      requestIds: readonly string[],
      fromMs: number,
      toMs: number,
      max: number,
    ): Promise<Map<string, number>> {
      const wanted = new Set(requestIds);
      const found = new Map<string, number>();
      if (wanted.size === 0) return found;
      const reply = await redis.call(
        keys.events,
        'XRANGE',
        keys.events,
        fromMs,
        toMs,
        'COUNT',
        max,
      );
      for (const raw of Array.isArray(reply) ? reply : []) {
        const [id, fields] = raw as [string, string[]];
        const e = fieldsToRecord(fields);
        if (e.type !== 'delivered' || !e.request_id || !wanted.has(e.request_id)) continue;
        if (!found.has(e.request_id)) found.set(e.request_id, Number(e.at ?? id.split('-')[0]));
      }
      return found;
    },

    /** How many given-up requests each agent's dead-letter stream holds. */
    async deadLetterCounts(agents: readonly string[]): Promise<number[]> {
      return Promise.all(
        agents.map(async (a) =>
          Number(await redis.call(keys.deadLetters(a), 'XLEN', keys.deadLetters(a))),
        ),
      );
    },
  };
}
