/** @module Conversations: one stream per conversation, the record that get_conversation replays. */
import type { ConversationMessage } from '@c3po/protocol';
import { z } from 'zod';
import {
  fieldsToRecord,
  parseConversationMessage,
  parseScriptJson,
  ScriptEntriesSchema,
} from './codec.js';
import type { Keys } from './keys.js';
import type { RedisConnections } from './redis-client.js';
import type { RunScript } from './script-runner.js';

/** Entries kept per conversation at most (older ones are trimmed). */
const MAX_ENTRIES = 10_000;

const AppendSchema = z.object({
  result: z.enum(['appended', 'duplicate', 'absent', 'outsider']),
  entry_id: z.string().optional(),
  added: z.string().optional(),
});
export type AppendResult = z.infer<typeof AppendSchema>;

const ReadSchema = z.object({
  result: z.enum(['ok', 'absent', 'outsider']),
  total: z.number().int().default(0),
  entries: ScriptEntriesSchema.default([]),
});

export type ConversationStore = ReturnType<typeof createConversationStore>;

export function createConversationStore(redis: RedisConnections, run: RunScript, keys: Keys) {
  const convKeys = (c: string) => [
    keys.conversation(c),
    keys.conversationIndex(c),
    keys.conversationMembers(c),
  ];
  return {
    /**
     * Appends a request (`start`: it opens the conversation; `continue`: its sender must be a
     * member) or the answer or end of one (`answer`), once per request and kind.
     */
    async append(
      conversationId: string,
      entry: {
        kind: 'request' | 'answer';
        requestId: string;
        from: string;
        to: string;
        start: boolean;
        fields: readonly string[];
      },
      ttlMs: number,
    ): Promise<AppendResult> {
      const reply = await run('append-conversation-3', convKeys(conversationId), [
        entry.kind,
        entry.requestId,
        entry.from,
        entry.to,
        entry.start ? 'new' : 'continue',
        ttlMs,
        MAX_ENTRIES,
        ...entry.fields,
      ]);
      return parseScriptJson(AppendSchema, reply);
    },

    /** Removes a request appended for a send that was then refused, and the member it added. */
    async undoAppend(conversationId: string, requestId: string, appended: AppendResult) {
      if (appended.result !== 'appended' || !appended.entry_id) return;
      await run('undo-append-3', convKeys(conversationId), [
        requestId,
        appended.entry_id,
        appended.added ?? '',
      ]);
    },

    /** Notes the conversation's latest activity in the index of conversations (operator view). */
    async touch(conversationId: string, atMs: number): Promise<void> {
      await redis.call(keys.conversations, 'ZADD', keys.conversations, atMs, conversationId);
    },

    /** The most recently active conversations since `sinceMs`, newest first, with when. */
    async recent(limit: number, sinceMs: number): Promise<{ id: string; lastMs: number }[]> {
      const reply = await redis.call(
        keys.conversations,
        'ZREVRANGEBYSCORE',
        keys.conversations,
        '+inf',
        sinceMs,
        'WITHSCORES',
        'LIMIT',
        0,
        limit,
      );
      const flat = Array.isArray(reply) ? reply.map(String) : [];
      const out: { id: string; lastMs: number }[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2)
        out.push({ id: flat[i] as string, lastMs: Number(flat[i + 1]) });
      return out;
    },

    /** Drops conversations idle since before `beforeMs` from the index (their streams expire). */
    async forget(beforeMs: number): Promise<void> {
      await redis.call(
        keys.conversations,
        'ZREMRANGEBYSCORE',
        keys.conversations,
        '-inf',
        `(${beforeMs}`,
      );
    },

    /**
     * The most recent `limit` messages `agent` may read, oldest first, with whether each request's
     * answer or end is recorded; `absent` or `outsider` when it may read none.
     */
    async read(conversationId: string, agent: string, limit: number) {
      const reply = await run('read-conversation-3', convKeys(conversationId), [agent, limit]);
      const { result, total, entries } = parseScriptJson(ReadSchema, reply);
      if (result !== 'ok') return { result };
      return {
        result,
        total,
        messages: entries.map((e) => ({
          message: parseConversationMessage(e.fields) as ConversationMessage,
          ended: e.ended === true,
          /** On an answer entry: the state its request ended in (answered or expired). */
          endState: fieldsToRecord(e.fields).state,
        })),
      };
    },
  };
}
