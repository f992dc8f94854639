/** @module GET /api/pending: the caller's unanswered requests with previews, for hooks and humans. */
import { PENDING_DEFAULT_LIMIT, PendingQuerySchema } from '@c3po/protocol';
import { Hono } from 'hono';
import type { Services } from '../../service/create-services.js';
import type { AppEnv } from '../app-env.js';

export function pendingRoutes(services: Services) {
  return new Hono<AppEnv>().get('/pending', async (c) => {
    const { limit } = PendingQuerySchema.parse(c.req.query());
    return c.json(await services.requests.peek(c.get('agentId'), limit ?? PENDING_DEFAULT_LIMIT));
  });
}
