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
  list_agents: z.object({ agents: z.array(AgentInfoSchema) }),
  send_request: z.object({
    request_id: z.string(),
    conversation_id: z.string(),
    to: z.string(),
    state: RequestStateSchema,
    recipient_status: AgentStatusSchema,
    duplicate: z
      .boolean()
      .describe('true when idempotency_key matched an earlier request, which is returned'),
    next: z.string(),
  }),
  get_pending_requests: z.object({
    requests: z.array(DeliveredRequestSchema),
    total: z.number().int().describe('how many unanswered requests exist (may exceed the list)'),
  }),
  respond_to_request: z.object({
    response_id: z.string(),
    request_id: z.string(),
    conversation_id: z.string(),
    to: z.string(),
  }),
  wait_for_request: z.object({
    status: z.enum(['received', 'timeout', 'retry']),
    requests: z.array(DeliveredRequestSchema).optional(),
    ...waitTiming,
  }),
  wait_for_response: z.object({
    status: z.enum(['received', 'timeout', 'retry']),
    response: ResponseSchema.optional(),
    request_id: z.string().optional(),
    request_state: RequestStateSchema.optional(),
    ...waitTiming,
  }),
  get_conversation: z.object({
    conversation_id: z.string(),
    messages: z.array(ConversationMessageSchema),
    total: z
      .number()
      .int()
      .describe('messages in the conversation; more than returned when limit cut it'),
  }),
} as const;

export type ToolOutput<N extends keyof typeof ToolOutputSchemas> = z.infer<
  (typeof ToolOutputSchemas)[N]
>;
