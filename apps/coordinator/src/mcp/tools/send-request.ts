import type { ToolHandler } from '../define-tool.js';

export const sendRequest: ToolHandler<'send_request'> = (args, { services, agentId }) =>
  services.requests.send(agentId, args);
