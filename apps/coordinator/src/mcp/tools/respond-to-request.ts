import type { ToolHandler } from '../define-tool.js';

export const respondToRequest: ToolHandler<'respond_to_request'> = (args, { services, agentId }) =>
  services.answers.respond(agentId, args);
