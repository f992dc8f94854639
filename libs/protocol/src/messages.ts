/** @module Requests, responses, conversation entries and agent listings as they appear on the wire. */
import { z } from 'zod';

const Timestamp = z.string().describe('ISO 8601 time, UTC');

/** Where a request is in its life, as its sender sees it. */
export const RequestStateSchema = z
  .enum(['queued', 'delivered', 'answered', 'expired', 'cancelled'])
  .describe(
    'queued: not yet seen by the recipient; delivered: a tool call of the recipient returned it; answered: a response is stored; expired: its deadline passed or it was delivered too often without an answer (an error response was stored); cancelled: its sender withdrew it',
  );
export type RequestState = z.infer<typeof RequestStateSchema>;

export const ResponseStatusSchema = z.enum(['success', 'error', 'declined']);
export type ResponseStatus = z.infer<typeof ResponseStatusSchema>;

export const RequestSchema = z.object({
  request_id: z.string(),
  conversation_id: z.string(),
  from: z.string().describe('verified sender agent ID'),
  to: z.string(),
  message: z.string(),
  context: z.string().optional(),
  created_at: Timestamp,
});
export type Request = z.infer<typeof RequestSchema>;

export const DeliveredRequestSchema = RequestSchema.extend({
  expires_at: Timestamp.describe('its deadline: answer before it'),
  delivery_count: z
    .number()
    .int()
    .describe('how many times this request has been handed out; above 1 means a retry'),
});
export type DeliveredRequest = z.infer<typeof DeliveredRequestSchema>;

export const ResponseSchema = z.object({
  response_id: z.string(),
  request_id: z.string(),
  conversation_id: z.string(),
  from: z.string().describe('the agent that answered (the request recipient)'),
  to: z.string().describe('the agent that asked'),
  response: z.string(),
  status: ResponseStatusSchema,
  created_at: Timestamp,
});
export type Response = z.infer<typeof ResponseSchema>;

export const ConversationMessageSchema = z.discriminatedUnion('type', [
  RequestSchema.extend({
    type: z.literal('request'),
    state: RequestStateSchema.optional(),
  }),
  ResponseSchema.extend({ type: z.literal('response') }),
  z.object({
    type: z.literal('cancellation'),
    request_id: z.string(),
    conversation_id: z.string(),
    from: z.string().describe('the sender, who withdrew its request'),
    to: z.string(),
    created_at: Timestamp,
  }),
]);
export type ConversationMessage = z.infer<typeof ConversationMessageSchema>;

export const AgentStatusSchema = z.enum(['online', 'idle', 'offline']);
export type AgentStatus = z.infer<typeof AgentStatusSchema>;

export const AgentInfoSchema = z.object({
  agent_id: z.string(),
  status: AgentStatusSchema,
  last_seen: Timestamp,
  waiting: z.boolean().describe('true while the agent is inside wait_for_request'),
  description: z.string().optional().describe('what the agent says it is for'),
});
export type AgentInfo = z.infer<typeof AgentInfoSchema>;
