import type { ToolHandler } from '../tool-call.js';

export const getConversation: ToolHandler<'get_conversation'> = (args, { services, caller }) =>
  services.conversations.get(caller.agentId, args);
