import type { ToolHandler } from '../tool-call.js';

export const respondToRequest: ToolHandler<'respond_to_request'> = (args, { services, caller }) =>
  services.answers.respond(caller.agentId, args);
