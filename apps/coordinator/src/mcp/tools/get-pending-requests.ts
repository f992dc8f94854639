import { PENDING_DEFAULT_LIMIT } from '@c3po/protocol';
import type { ToolHandler } from '../define-tool.js';

export const getPendingRequests: ToolHandler<'get_pending_requests'> = (
  args,
  { services, agentId },
) => services.requests.pending(agentId, args.limit ?? PENDING_DEFAULT_LIMIT);
