import type { ToolHandler } from '../define-tool.js';

export const getConversation: ToolHandler<'get_conversation'> = (args, { services, agentId }) =>
  services.conversations.get(agentId, args);
