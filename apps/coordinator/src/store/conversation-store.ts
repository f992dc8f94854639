/** @module Conversations: one stream per conversation, the record that get_conversation replays. */
import type { Response } from '@c3po/protocol';
import { z } from 'zod';
import { parseConversationMessage, parseResponse, parseScriptJson } from './codec.js';
import type { Keys } from './keys.js';
import type { RedisClient } from './redis-client.js';
import type { RunScript } from './script-runner.js';

const AppendSchema = z.object({ entry_id: z.string(), duplicate: z.boolean() });

export type ConversationStore = ReturnType<typeof createConversationStore>;

export function createConversationStore(client: RedisClient, run: RunScript, keys: Keys) {
  return {
    /**
     * Appends an entry once per `indexField` (`request:<id>` / `response:<request id>`); a repeat
     * returns the first entry. Records both agents as members and slides the expiry.
     */
    async append(
      conversationId: string,
      indexField: string,
      members: readonly [string, string],
      fields: readonly string[],
      ttlMs: number,
    ): Promise<{ entryId: string; duplicate: boolean }> {
      const reply = await run(
        'append-conversation-3',
        [
          keys.conversation(conversationId),
          keys.conversationIndex(conversationId),
          keys.conversationMembers(conversationId),
        ],
        [indexField, ttlMs, members[0], members[1], ...fields],
      );
      const { entry_id, duplicate } = parseScriptJson(AppendSchema, reply);
      return { entryId: entry_id, duplicate };
    },

    /** The response to a request, once one is stored in its conversation. */
    async response(conversationId: string, requestId: string): Promise<Response | undefined> {
      const fields = await run(
        'read-response-2',
        [keys.conversation(conversationId), keys.conversationIndex(conversationId)],
        [requestId],
      );
      return Array.isArray(fields) && fields.length > 0
        ? parseResponse(fields.map(String))
        : undefined;
    },

    /** `absent` when the conversation does not exist (or expired). */
    async membership(
      conversationId: string,
      agent: string,
    ): Promise<'member' | 'outsider' | 'absent'> {
      const [exists, member] = await Promise.all([
        client.exists(keys.conversation(conversationId)),
        client.sIsMember(keys.conversationMembers(conversationId), agent),
      ]);
      if (exists === 0) return 'absent';
      return member ? 'member' : 'outsider';
    },

    /** The most recent `limit` messages, oldest first, and how many there are in all. */
    async read(conversationId: string, limit: number) {
      const key = keys.conversation(conversationId);
      const [entries, total] = await Promise.all([
        client.xRevRange(key, '+', '-', { COUNT: limit }),
        client.xLen(key),
      ]);
      return {
        messages: (entries ?? []).reverse().map((e) => parseConversationMessage(e.message)),
        total,
      };
    },
  };
}
