import { PENDING_DEFAULT_LIMIT } from '@c3po/protocol';
import type { ToolHandler } from '../tool-call.js';

export const getPendingRequests: ToolHandler<'get_pending_requests'> = (
  args,
  { services, caller },
) => services.requests.pending(caller.agentId, args.limit ?? PENDING_DEFAULT_LIMIT);
