/**
 * @module The operator view's payloads: what the status page, `c3po` and anyone with the admin or
 * a viewer token read from `/api/operator/*` (read-only), the events of its live feed, and the
 * query of the REST wait for an answer (`GET /api/requests/:id/response`).
 */
import { z } from 'zod';
import { AgentIdSchema } from './ids.js';
import { AgentInfoSchema, RequestSchema, RequestStateSchema, ResponseSchema } from './messages.js';

const Timestamp = z.string().describe('ISO 8601 time, UTC');
const count = z.number().int().min(0);

/** `GET /api/operator/status`: the coordinator, its Redis, and how much is going on. */
export const OperatorStatusSchema = z.object({
  version: z.string(),
  auth_mode: z.enum(['open', 'token']),
  redis: z.object({
    ok: z.boolean().describe('every Redis server answered'),
    mode: z.enum(['single', 'cluster']),
    nodes: z.array(z.object({ node: z.string(), ok: z.boolean(), error: z.string().optional() })),
  }),
  agents: z.object({
    known: count.describe('agents the coordinator knows'),
    online: count,
    waiting: count.describe('agents inside wait_for_request now'),
  }),
  requests: z.object({
    in_flight: count.describe('requests not answered, expired or cancelled yet'),
    dead_lettered: count.describe('expired or dead-lettered requests kept for inspection'),
  }),
  conversations: count.describe('conversations active within the retention period'),
  waiters: count.describe('open waits on the coordinator process that answered'),
  generated_at: Timestamp,
});
export type OperatorStatus = z.infer<typeof OperatorStatusSchema>;

/** An agent as the operator sees it: the directory entry and its inbox. */
export const OperatorAgentSchema = AgentInfoSchema.extend({
  inbox: count.describe('unanswered requests in its inbox'),
});
export type OperatorAgent = z.infer<typeof OperatorAgentSchema>;

/** `GET /api/operator/agents`: the most recently seen agents, newest first. */
export const OperatorAgentsSchema = z.object({
  agents: z.array(OperatorAgentSchema),
  total: count.describe('agents the coordinator knows (the list may be shorter)'),
});

/** `GET /api/operator/conversations` query. */
export const OperatorConversationsQuerySchema = z.object({
  agent: AgentIdSchema.optional().describe('only conversations this agent took part in'),
  limit: z.coerce
    .number({ error: 'limit must be a whole number from 1 to 200' })
    .int({ error: 'limit must be a whole number from 1 to 200' })
    .min(1, { error: 'limit must be a whole number from 1 to 200' })
    .max(200, { error: 'limit must be a whole number from 1 to 200' })
    .optional(),
});

/** The latest entry of a conversation, cut to a preview. */
export const LastMessageSchema = z.object({
  type: z.enum(['request', 'response', 'cancellation']),
  from: z.string(),
  to: z.string(),
  preview: z.string().describe('the first 200 characters of the text (empty for a cancellation)'),
  at: Timestamp,
});

export const ConversationSummarySchema = z.object({
  conversation_id: z.string(),
  participants: z.array(z.string()),
  messages: count,
  started_at: Timestamp,
  last_activity_at: Timestamp,
  last_message: LastMessageSchema,
});
export type ConversationSummary = z.infer<typeof ConversationSummarySchema>;

/** `GET /api/operator/conversations`: most recently active first. */
export const OperatorConversationsSchema = z.object({
  conversations: z.array(ConversationSummarySchema),
});

/** A request in a thread: its state and when each step happened. */
export const ThreadRequestSchema = RequestSchema.extend({
  type: z.literal('request'),
  state: RequestStateSchema,
  expires_at: Timestamp.optional(),
  delivered_at: Timestamp.optional().describe('first handed to the recipient'),
  ended_at: Timestamp.optional().describe('answered, expired or cancelled'),
});

export const ThreadMessageSchema = z.discriminatedUnion('type', [
  ThreadRequestSchema,
  ResponseSchema.extend({ type: z.literal('response') }),
  z.object({
    type: z.literal('cancellation'),
    request_id: z.string(),
    conversation_id: z.string(),
    from: z.string(),
    to: z.string(),
    created_at: Timestamp,
  }),
]);
export type ThreadMessage = z.infer<typeof ThreadMessageSchema>;

/** `GET /api/operator/conversations/:id`: the thread, oldest first. */
export const OperatorThreadSchema = z.object({
  conversation_id: z.string(),
  participants: z.array(z.string()),
  total: count.describe('messages in the conversation (more than listed when it is long)'),
  messages: z.array(ThreadMessageSchema),
});
export type OperatorThread = z.infer<typeof OperatorThreadSchema>;

/** An open request, from the index of deadlines. */
export const InFlightRequestSchema = z.object({
  request_id: z.string(),
  conversation_id: z.string(),
  from: z.string(),
  to: z.string(),
  state: z.enum(['queued', 'delivered']),
  preview: z.string(),
  created_at: Timestamp,
  expires_at: Timestamp,
  delivered_at: Timestamp.optional(),
  age_seconds: count,
});

/** A request given up on: expired at its deadline, or dead-lettered after too many deliveries. */
export const DeadLetterSchema = z.object({
  request_id: z.string(),
  conversation_id: z.string(),
  from: z.string(),
  to: z.string(),
  reason: z.enum(['expired', 'dead_lettered']),
  deliveries: count,
  preview: z.string(),
  created_at: Timestamp,
  ended_at: Timestamp,
  age_seconds: count.describe('since it was created'),
});

/** `GET /api/operator/requests`: open requests (oldest deadline first) and recently given up ones. */
export const OperatorRequestsSchema = z.object({
  in_flight: z.array(InFlightRequestSchema),
  in_flight_total: count,
  dead_letters: z.array(DeadLetterSchema).describe('newest first'),
});
export type OperatorRequests = z.infer<typeof OperatorRequestsSchema>;

/** One request lifecycle event of the live feed (`GET /api/operator/events`, server-sent events). */
export const OperatorEventSchema = z.object({
  id: z.string().describe('the event stream entry ID; send it back as Last-Event-ID to resume'),
  type: z.string().describe('sent, delivered, answered, cancelled, expired or dead_lettered'),
  request_id: z.string(),
  conversation_id: z.string(),
  from: z.string(),
  to: z.string(),
  at: Timestamp,
});
export type OperatorEvent = z.infer<typeof OperatorEventSchema>;

/** `GET /api/operator/events` query: how many past events to send first. */
export const OperatorEventsQuerySchema = z.object({
  backlog: z.coerce
    .number({ error: 'backlog must be a whole number from 0 to 200' })
    .int({ error: 'backlog must be a whole number from 0 to 200' })
    .min(0, { error: 'backlog must be a whole number from 0 to 200' })
    .max(200, { error: 'backlog must be a whole number from 0 to 200' })
    .optional(),
});

/** `GET /api/requests/:id/response` query: how long to wait for the answer. */
export const WaitQuerySchema = z.object({
  timeout_seconds: z.coerce
    .number({ error: 'timeout_seconds must be a number of seconds, e.g. 30' })
    .min(0, { error: 'timeout_seconds must be 0 or more (0 checks without waiting)' })
    .optional(),
});
