/** @module Result shapes (`structuredContent`) of the seven MCP tools. */
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

export const ToolOutputSchemas = {
  list_agents: z.object({
    agents: z
      .array(AgentInfoSchema)
      .describe('the 200 most recently seen agents, newest first (Agent objects)'),
    total: z.number().int().describe('how many agents the coordinator knows'),
  }),
  send_request: z.object({
    request_id: z.string().describe('pass it to wait_for_response'),
    conversation_id: z.string().describe('pass it to send_request to follow up in the same thread'),
    to: z.string().describe('the recipient'),
    state: RequestStateSchema,
    recipient_status: AgentStatusSchema.describe(
      'the recipient right now: online, idle or offline',
    ),
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
  }),
  respond_to_request: z.object({
    response_id: z.string(),
    request_id: z.string().describe('the request answered'),
    conversation_id: z.string(),
    to: z.string().describe('the agent that asked, which now gets the answer'),
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
    ...waitTiming,
  }),
  wait_for_response: z.object({
    status: z
      .enum(['received', 'timeout', 'retry'])
      .describe(
        'received: see response; timeout: no answer yet, call again; retry: the coordinator is restarting',
      ),
    response: ResponseSchema.optional().describe('with status "received" (a Response object)'),
    request_id: z.string().optional().describe('with status "timeout": the request waited for'),
    request_state: RequestStateSchema.optional(),
    ...waitTiming,
  }),
  get_conversation: z.object({
    conversation_id: z.string(),
    messages: z
      .array(ConversationMessageSchema)
      .describe('requests (type "request") and responses (type "response"), oldest first'),
    total: z
      .number()
      .int()
      .describe('messages in the conversation; more than returned when limit cut it'),
  }),
} as const;

export type ToolOutput<N extends keyof typeof ToolOutputSchemas> = z.infer<
  (typeof ToolOutputSchemas)[N]
>;
