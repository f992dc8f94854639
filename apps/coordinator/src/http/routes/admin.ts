/** @module Admin REST routes: create, list and revoke agent tokens (admin token only). */
import { CreateTokenRequestSchema, ROUTES } from '@c3po/protocol';
import { Hono } from 'hono';
import type { Services } from '../../service/create-services.js';
import { bearerToken } from '../bearer.js';

export function adminRoutes(services: Services) {
  const tokens = ROUTES.adminTokens.slice('/api'.length);
  return new Hono()
    .use('/admin/*', async (c, next) => {
      await services.auth.requireAdmin(bearerToken(c));
      await next();
    })
    .post(tokens, async (c) => {
      const body: unknown = await c.req.json().catch(() => undefined);
      const { agents, name, role } = CreateTokenRequestSchema.parse(body ?? {});
      return c.json(await services.auth.createToken(agents ?? [], name, role), 201);
    })
    .get(tokens, async (c) => c.json({ tokens: await services.auth.listTokens() }))
    .delete(`${tokens}/:id`, async (c) => {
      const id = c.req.param('id');
      await services.auth.revokeToken(id);
      return c.json({ revoked: id });
    });
}
