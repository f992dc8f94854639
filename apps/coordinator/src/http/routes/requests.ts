/**
 * @module /api/requests: the request tools over plain REST, for a human in the loop acting as an
 * agent (`c3po send`, `c3po inbox`, `c3po answer`). Same identity, token check, input schemas and
 * services as the MCP tools; nothing of their own.
 */
import {
  createToolInputSchemas,
  PENDING_DEFAULT_LIMIT,
  PendingQuerySchema,
  ROUTES,
  WaitQuerySchema,
} from '@c3po/protocol';
import { type Context, Hono } from 'hono';
import type { Services } from '../../service/create-services.js';
import { agentAuth } from '../agent-auth.js';
import type { AppEnv } from '../app-env.js';
import { identity } from '../identity.js';

const base = ROUTES.requests.slice('/api'.length);

/** The JSON body as an object (anything else counts as empty, for the schema to explain). */
async function body(c: Context): Promise<Record<string, unknown>> {
  const json: unknown = await c.req.json().catch(() => undefined);
  return json !== null && typeof json === 'object' && !Array.isArray(json)
    ? (json as Record<string, unknown>)
    : {};
}

export function requestRoutes(services: Services, limits: { maxTextBytes: number }) {
  const inputs = createToolInputSchemas(limits);
  return new Hono<AppEnv>()
    .use(base, identity(), agentAuth(services))
    .use(`${base}/*`, identity(), agentAuth(services))
    .post(base, async (c) => {
      const input = inputs.send_request.parse(await body(c));
      return c.json(await services.requests.send(c.get('caller'), input), 201);
    })
    .get(base, async (c) => {
      const { limit } = PendingQuerySchema.parse(c.req.query());
      return c.json(
        await services.requests.pending(c.get('agentId'), limit ?? PENDING_DEFAULT_LIMIT),
      );
    })
    .post(`${base}/:id/response`, async (c) => {
      const input = inputs.respond_to_request.parse({
        ...(await body(c)),
        request_id: c.req.param('id'),
      });
      return c.json(await services.answers.respond(c.get('agentId'), input));
    })
    .get(`${base}/:id/response`, async (c) => {
      const query = WaitQuerySchema.parse(c.req.query());
      const input = inputs.wait_for_response.parse({ ...query, request_id: c.req.param('id') });
      return c.json(
        await services.waits.forResponse(c.get('caller'), input.request_id, {
          timeoutSeconds: input.timeout_seconds,
          // Aborted when the client goes away: the wait stops at once.
          signal: c.req.raw.signal,
        }),
      );
    });
}
