/** @module Conversations: replay for the agents that took part. */
import { CONVERSATION_DEFAULT_LIMIT, type ToolInput, type ToolOutput } from '@c3po/protocol';
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
      const membership = await store.conversations.membership(id, agent);
      if (membership === 'absent') {
        throw new AppError(
          'not_found',
          `No conversation ${id} exists (conversations expire after a period of silence).`,
          {
            hint: 'Use a conversation_id from send_request or from a received request.',
          },
        );
      }
      if (membership === 'outsider') {
        throw new AppError(
          'forbidden',
          `Only the agents that took part in conversation ${id} can read it, and you (${agent}) did not.`,
          {
            hint: 'Use a conversation_id from your own requests or from requests sent to you.',
          },
        );
      }
      const { messages, total } = await store.conversations.read(
        id,
        input.limit ?? CONVERSATION_DEFAULT_LIMIT,
      );
      return { conversation_id: id, messages, total };
    },
  };
}
