/** @module The public surface of @c3po/protocol. */
export {
  type ErrorBody,
  ErrorBodySchema,
  type ErrorCode,
  ErrorCodeSchema,
} from './errors.js';
export { createFence, type Fence, type FenceLabel, neutralize, randomMarker } from './fence.js';
export { CLIENT_ENV, DEFAULT_COORDINATOR_URL, HEADERS } from './headers.js';
export { type HookInput, HookInputSchema } from './hooks.js';
export { type IdentityResult, resolveIdentity } from './identity.js';
export {
  AGENT_ID_PATTERN,
  AGENT_ID_RULE,
  type AgentId,
  AgentIdSchema,
  agentIdField,
  ConversationIdSchema,
  RequestIdSchema,
  sanitizeAgentName,
  ulidField,
} from './ids.js';
export {
  CONVERSATION_DEFAULT_LIMIT,
  CONVERSATION_MAX_LIMIT,
  DEFAULT_LIMITS,
  DEFAULT_PORT,
  DESCRIPTION_MAX_CHARS,
  IDEMPOTENCY_KEY_MAX_CHARS,
  IDLE_WINDOW_SECONDS,
  type Limits,
  ONLINE_WINDOW_SECONDS,
  PENDING_DEFAULT_LIMIT,
  PENDING_MAX_LIMIT,
  PREVIEW_CHARS,
  REDELIVER_AFTER_SECONDS,
  REQUEST_TTL_DEFAULT_SECONDS,
  REQUEST_TTL_MAX_SECONDS,
  utf8ByteLength,
  WAIT_DEFAULT_SECONDS,
  WAIT_MAX_SECONDS,
} from './limits.js';
export {
  type AgentInfo,
  AgentInfoSchema,
  type AgentStatus,
  AgentStatusSchema,
  type ConversationMessage,
  ConversationMessageSchema,
  type DeliveredRequest,
  DeliveredRequestSchema,
  type Request,
  RequestSchema,
  type RequestState,
  RequestStateSchema,
  type Response,
  ResponseSchema,
  type ResponseStatus,
  ResponseStatusSchema,
} from './messages.js';
export {
  type ConversationSummary,
  ConversationSummarySchema,
  DeadLetterSchema,
  InFlightRequestSchema,
  LastMessageSchema,
  type OperatorAgent,
  OperatorAgentSchema,
  OperatorAgentsSchema,
  OperatorConversationsQuerySchema,
  OperatorConversationsSchema,
  type OperatorEvent,
  OperatorEventSchema,
  OperatorEventsQuerySchema,
  type OperatorRequests,
  OperatorRequestsSchema,
  type OperatorStatus,
  OperatorStatusSchema,
  type OperatorThread,
  OperatorThreadSchema,
  type ThreadMessage,
  ThreadMessageSchema,
  ThreadRequestSchema,
  WaitQuerySchema,
} from './operator.js';
export {
  type Health,
  HealthDegradedSchema,
  HealthOkSchema,
  HealthSchema,
  type PendingItem,
  PendingItemSchema,
  PendingQuerySchema,
  type PendingResponse,
  PendingResponseSchema,
  ROUTES,
} from './rest.js';
export {
  AgentPatternsSchema,
  CreatedTokenSchema,
  CreateTokenRequestSchema,
  matchesAgentPatterns,
  type TokenInfo,
  TokenInfoSchema,
  TokenListSchema,
} from './tokens.js';
export { describeTools, SERVER_INSTRUCTIONS, type ToolText } from './tool-descriptions.js';
export {
  boundedText,
  createToolInputSchemas,
  type ToolInput,
  type ToolInputSchemas,
  type ToolName,
} from './tool-inputs.js';
export { type ToolOutput, ToolOutputSchemas } from './tool-outputs.js';

/** Every MCP tool name, in the order they are listed. */
export const TOOL_NAMES = [
  'list_agents',
  'send_request',
  'get_pending_requests',
  'respond_to_request',
  'wait_for_request',
  'wait_for_response',
  'cancel_request',
  'get_conversation',
] as const;
export { renderToolReference } from './tool-reference.js';
