/**
 * @module GET /api/operator/*: the read-only operator view (status, agents, conversations,
 * requests) and its live feed of request events as server-sent events. Open in open mode; in
 * token mode only for the admin token or a viewer token (403 with how to get one otherwise).
 */
import {
  ConversationIdSchema,
  OperatorConversationsQuerySchema,
  OperatorEventsQuerySchema,
  ROUTES,
} from '@c3po/protocol';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Services } from '../../service/create-services.js';
import type { AppEnv } from '../app-env.js';
import { bearerToken } from '../bearer.js';

const path = (route: string) => route.slice('/api'.length);
/** A comment line this often keeps proxies from closing a quiet feed. */
const KEEP_ALIVE_MS = 15_000;
/** Stream entry IDs, as sent in `id:` and given back in Last-Event-ID. */
const EVENT_ID = /^\d+-\d+$/;

export function operatorRoutes(services: Services, version: string) {
  const { overview } = services;
  const r = ROUTES.operator;
  return new Hono<AppEnv>()
    .use('/operator/*', async (c, next) => {
      await services.auth.requireViewer(bearerToken(c));
      c.header('Cache-Control', 'no-store');
      await next();
    })
    .get(path(r.status), async (c) => c.json(await overview.status(version)))
    .get(path(r.agents), async (c) => c.json(await overview.agents()))
    .get(path(r.conversations), async (c) => {
      const query = OperatorConversationsQuerySchema.parse(c.req.query());
      return c.json({ conversations: await overview.conversations(query) });
    })
    .get(`${path(r.conversations)}/:id`, async (c) => {
      const id = ConversationIdSchema.parse(c.req.param('id'));
      return c.json(await overview.thread(id));
    })
    .get(path(r.requests), async (c) => c.json(await overview.requests()))
    .get(path(r.events), async (c) => {
      const { backlog } = OperatorEventsQuerySchema.parse(c.req.query());
      const lastId = c.req.header('last-event-id')?.trim();
      const listening = new AbortController();
      const feed = overview.events({
        after: lastId && EVENT_ID.test(lastId) ? lastId : undefined,
        backlog: backlog ?? 0,
        signal: listening.signal,
      });
      // The first step reads Redis: its failure is an ordinary error answer, before any stream.
      const first = await feed.next();
      const response = streamSSE(c, async (stream) => {
        stream.onAbort(() => listening.abort());
        let wroteAt = Date.now();
        await stream.write(': connected\nretry: 2000\n\n');
        try {
          let batch = first.done ? undefined : first.value;
          while (batch !== undefined && !stream.aborted) {
            for (const event of batch)
              await stream.writeSSE({ id: event.id, data: JSON.stringify(event) });
            if (batch.length > 0) wroteAt = Date.now();
            else if (Date.now() - wroteAt >= KEEP_ALIVE_MS) {
              await stream.write(': keep-alive\n\n');
              wroteAt = Date.now();
            }
            const next = await feed.next();
            batch = next.done ? undefined : next.value;
          }
        } finally {
          listening.abort();
          await feed.return(undefined);
        }
      });
      // Not kept alive once the feed ends (on shutdown): the socket closes with it instead of
      // holding up the coordinator's stop.
      response.headers.set('Connection', 'close');
      return response;
    });
}
