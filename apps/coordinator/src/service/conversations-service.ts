/**
 * @module Conversations: replay for the agents that took part, each request with its state. A
 * request written for a send that never committed (a crash between its two round trips) has no
 * record and no end, and is left out.
 */
import {
  CONVERSATION_DEFAULT_LIMIT,
  type ConversationMessage,
  type RequestState,
  type ToolInput,
  type ToolOutput,
} from '@c3po/protocol';
import { AppError } from '../errors.js';
import type { Store } from '../store/create-store.js';

export type ConversationsService = ReturnType<typeof createConversationsService>;

export function createConversationsService(store: Store) {
  return {
    async get(
      agent: string,
      input: ToolInput<'get_conversation'>,
    ): Promise<ToolOutput<'get_conversation'>> {
      const id = input.conversation_id;
      const read = await store.conversations.read(
        id,
        agent,
        input.limit ?? CONVERSATION_DEFAULT_LIMIT,
      );
      if (read.result === 'absent') {
        throw new AppError(
          'not_found',
          `No conversation ${id} exists (conversations expire after a period of silence).`,
          { hint: 'Use a conversation_id from send_request or from a received request.' },
        );
      }
      if (read.result === 'outsider') {
        throw new AppError(
          'forbidden',
          `Only the agents that took part in conversation ${id} can read it, and you (${agent}) did not.`,
          { hint: 'Use a conversation_id from your own requests or from requests sent to you.' },
        );
      }
      const entries = read.messages ?? [];
      const endedIn = new Map<string, RequestState>();
      for (const { message: m, endState } of entries) {
        if (m.type === 'response')
          endedIn.set(m.request_id, endState === 'expired' ? 'expired' : 'answered');
        if (m.type === 'cancellation') endedIn.set(m.request_id, 'cancelled');
      }
      // The state of each request whose end is not in this page: one parallel round trip.
      const states = await Promise.all(
        entries.map(async ({ message: m, ended }) => {
          if (m.type !== 'request') return undefined;
          const known = endedIn.get(m.request_id);
          if (known) return known;
          const got = await store.requests.get(m.to, m.request_id);
          // No record and no end: a send that never committed (or a record past retention).
          if (!got) return ended ? 'answered' : ('ghost' as const);
          if (got.record.state !== 'queued') return got.record.state;
          return got.deliveredAtMs === undefined ? 'queued' : 'delivered';
        }),
      );
      const messages: ConversationMessage[] = [];
      entries.forEach(({ message: m }, i) => {
        const state = states[i];
        if (state === 'ghost') return;
        messages.push(m.type === 'request' && state ? { ...m, state } : m);
      });
      return { conversation_id: id, messages, total: read.total ?? messages.length };
    },
  };
}
