/** @module REST paths and payloads (health, pending) shared by the coordinator and its clients. */
import { z } from 'zod';

/** REST paths served by the coordinator. */
export const ROUTES = {
  mcp: '/mcp',
  health: '/api/health',
  pending: '/api/pending',
  /** Admin: POST creates an agent token, GET lists them; `/api/admin/tokens/:id` DELETE revokes. */
  adminTokens: '/api/admin/tokens',
  /**
   * As the agent of X-Agent-ID (a human in the loop): POST sends a request, GET lists the unanswered
   * requests to it in full; `/api/requests/:id/response` POST answers one, GET waits for its answer.
   */
  requests: '/api/requests',
  /** Read-only operator view (admin or viewer token); the status page and `c3po` read it. */
  operator: {
    status: '/api/operator/status',
    agents: '/api/operator/agents',
    /** `?agent=<id>` filters; `/api/operator/conversations/:id` is one thread. */
    conversations: '/api/operator/conversations',
    requests: '/api/operator/requests',
    /** Server-sent events, one `event` per request lifecycle event. */
    events: '/api/operator/events',
  },
  /** The status page (HTML); its scripts and styles are under `/ui/`. */
  statusPage: '/',
  /** POST with the hook's stdin JSON; the answer is exactly what the hook prints (204: nothing). */
  hooks: {
    sessionStart: '/api/hooks/session-start',
    postToolUse: '/api/hooks/post-tool-use',
    stop: '/api/hooks/stop',
    prompt: '/api/hooks/prompt',
    sessionEnd: '/api/hooks/session-end',
  },
} as const;

/** How one Redis server (a cluster master) answered the health check's PING. */
export const NodeHealthSchema = z.object({
  node: z.string().describe('host:port'),
  ok: z.boolean(),
  error: z.string().optional(),
});

export const HealthOkSchema = z.object({
  status: z.literal('ok'),
  redis: z.literal('ok'),
  mode: z.enum(['single', 'cluster']).describe('one Redis server, or a Redis Cluster'),
  nodes: z.array(NodeHealthSchema).describe('every Redis server (every cluster master)'),
  agents_online: z.number().int(),
  waiters: z
    .number()
    .int()
    .describe('wait_for_request/wait_for_response calls open on this process'),
  version: z.string(),
});

export const HealthDegradedSchema = z.object({
  status: z.literal('degraded'),
  redis: z.literal('unreachable'),
  mode: z.enum(['single', 'cluster']).optional(),
  nodes: z.array(NodeHealthSchema).optional(),
  version: z.string(),
});

export const HealthSchema = z.union([HealthOkSchema, HealthDegradedSchema]);
export type Health = z.infer<typeof HealthSchema>;

export const PendingItemSchema = z.object({
  request_id: z.string(),
  from: z.string(),
  conversation_id: z.string(),
  preview: z.string().describe('the first 200 characters of the message'),
  created_at: z.string(),
});
export type PendingItem = z.infer<typeof PendingItemSchema>;

export const PendingResponseSchema = z.object({
  count: z.number().int().describe('every unanswered request (the list may be shorter)'),
  requests: z.array(PendingItemSchema),
});
export type PendingResponse = z.infer<typeof PendingResponseSchema>;

export const PendingQuerySchema = z.object({
  limit: z.coerce
    .number({ error: 'limit must be a whole number from 1 to 100' })
    .int({ error: 'limit must be a whole number from 1 to 100' })
    .min(1, { error: 'limit must be a whole number from 1 to 100' })
    .max(100, { error: 'limit must be a whole number from 1 to 100' })
    .optional(),
});
