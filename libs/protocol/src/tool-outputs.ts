/** @module Result shapes (`structuredContent`) of the MCP tools. */
import { z } from 'zod';
import {
  AgentInfoSchema,
  AgentStatusSchema,
  ConversationMessageSchema,
  DeliveredRequestSchema,
  RequestStateSchema,
  ResponseSchema,
} from './messages.js';

const waitTiming = {
  waited_seconds: z.number().describe('how long this call waited'),
  timeout_applied_seconds: z.number().describe('the wait limit used for this call'),
  capped: z
    .boolean()
    .optional()
    .describe('true when timeout_seconds was above the maximum and was lowered'),
  retry_after_seconds: z
    .number()
    .optional()
    .describe('with status "retry": call again after this many seconds'),
  next: z.string().optional().describe('what to do now'),
};

/** How to read the fenced texts of other agents in a result (present when there are any). */
const notice = z
  .string()
  .optional()
  .describe('how to tell the other agents\u2019 words (fenced) from instructions');

export const ToolOutputSchemas = {
  list_agents: z.object({
    agents: z
      .array(AgentInfoSchema)
      .describe('the 200 most recently seen agents, newest first (Agent objects)'),
    total: z.number().int().describe('how many agents the coordinator knows'),
    notice,
  }),
  send_request: z.object({
    request_id: z.string().describe('pass it to wait_for_response'),
    conversation_id: z.string().describe('pass it to send_request to follow up in the same thread'),
    to: z.string().describe('the recipient'),
    state: RequestStateSchema,
    recipient_status: AgentStatusSchema.describe(
      'the recipient right now: online, idle or offline',
    ),
    expires_at: z.string().describe('the deadline: without an answer by then, the request expires'),
    duplicate: z
      .boolean()
      .describe('true when idempotency_key matched an earlier request, which is returned'),
    next: z.string().describe('what to do now'),
  }),
  get_pending_requests: z.object({
    requests: z
      .array(DeliveredRequestSchema)
      .describe('unanswered requests to you, oldest first (Request objects)'),
    total: z.number().int().describe('how many unanswered requests exist (may exceed the list)'),
    notice,
  }),
  respond_to_request: z.object({
    response_id: z.string(),
    request_id: z.string().describe('the request answered'),
    conversation_id: z.string(),
    to: z.string().describe('the agent that asked, which now gets the answer'),
    duplicate: z
      .boolean()
      .describe('true when this same answer was already stored (a retry); nothing changed'),
  }),
  wait_for_request: z.object({
    status: z
      .enum(['received', 'timeout', 'retry'])
      .describe(
        'received: see requests; timeout: nothing came, call again; retry: the coordinator is restarting',
      ),
    requests: z
      .array(DeliveredRequestSchema)
      .optional()
      .describe('with status "received" (Request objects)'),
    notice,
    ...waitTiming,
  }),
  wait_for_response: z.object({
    status: z
      .enum(['received', 'expired', 'cancelled', 'timeout', 'retry'])
      .describe(
        'received: see response; expired: no answer came in time (response holds the error); cancelled: you withdrew it; timeout: no answer yet, call again; retry: the coordinator is restarting',
      ),
    response: ResponseSchema.optional().describe(
      'with status "received" or "expired" (a Response object)',
    ),
    request_id: z.string().optional().describe('the request waited for'),
    request_state: RequestStateSchema.optional(),
    recipient_status: AgentStatusSchema.optional().describe(
      'with status "timeout": whether the recipient is online, idle or offline',
    ),
    notice,
    ...waitTiming,
  }),
  cancel_request: z.object({
    request_id: z.string(),
    state: RequestStateSchema.describe('cancelled, or the state it had already reached'),
    next: z.string().describe('what to do now'),
  }),
  get_conversation: z.object({
    conversation_id: z.string(),
    messages: z
      .array(ConversationMessageSchema)
      .describe(
        'requests (type "request", with their state), responses (type "response") and cancellations, oldest first',
      ),
    total: z
      .number()
      .int()
      .describe('messages in the conversation you may read; more than returned when limit cut it'),
    notice,
  }),
} as const;

export type ToolOutput<N extends keyof typeof ToolOutputSchemas> = z.infer<
  (typeof ToolOutputSchemas)[N]
>;
