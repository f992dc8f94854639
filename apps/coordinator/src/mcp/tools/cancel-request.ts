import type { ToolHandler } from '../tool-call.js';

export const cancelRequest: ToolHandler<'cancel_request'> = (args, { services, caller }) =>
  services.requests.cancel(caller, args);
