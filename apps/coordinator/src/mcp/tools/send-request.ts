import type { ToolHandler } from '../tool-call.js';

export const sendRequest: ToolHandler<'send_request'> = (args, { services, caller }) =>
  services.requests.send(caller, args);
