/**
 * @module POST /api/hooks/<event>: the plugin's hooks post their stdin JSON and print the answer as
 * it is (204: print nothing). Identity problems are explained at SessionStart, where the agent can
 * act on them, and stay silent elsewhere.
 */
import {
  DEFAULT_COORDINATOR_URL,
  HEADERS,
  HookInputSchema,
  ROUTES,
  resolveIdentity,
} from '@c3po/protocol';
import { type Context, Hono } from 'hono';
import type { Services } from '../../service/create-services.js';
import {
  notConnectedOutput,
  postToolUseOutput,
  sessionStartOutput,
  stopOutput,
} from '../hook-output.js';

const path = (route: string) => route.slice('/api'.length);

async function hookInput(c: Context) {
  const body: unknown = await c.req.json().catch(() => ({}));
  const parsed = HookInputSchema.safeParse(body);
  return parsed.success ? parsed.data : {};
}

function identify(c: Context, services: Services) {
  const result = resolveIdentity({
    agentId: c.req.header(HEADERS.agentId),
    projectDir: c.req.header(HEADERS.projectDir),
  });
  if (result.ok) services.agents.touch(result.agentId);
  return result;
}

const nothing = (c: Context) => c.body(null, 204);

export function hookRoutes(services: Services) {
  const { hooks } = services;
  return new Hono()
    .post(path(ROUTES.hooks.sessionStart), async (c) => {
      const input = await hookInput(c);
      const url = c.req.header(HEADERS.coordinatorUrl) ?? DEFAULT_COORDINATOR_URL;
      const id = identify(c, services);
      if (!id.ok) return c.json(notConnectedOutput(url, `${id.message} ${id.hint}`));
      const facts = await hooks.sessionStart(id.agentId, input.session_id);
      return c.json(sessionStartOutput({ agentId: id.agentId, url, ...facts }));
    })
    .post(path(ROUTES.hooks.stop), async (c) => {
      const input = await hookInput(c);
      const id = identify(c, services);
      if (!id.ok) return nothing(c);
      const block = await hooks.stop(id.agentId, input.session_id, input.stop_hook_active === true);
      return block ? c.json(stopOutput(block)) : nothing(c);
    })
    .post(path(ROUTES.hooks.postToolUse), async (c) => {
      const input = await hookInput(c);
      const id = identify(c, services);
      if (!id.ok) return nothing(c);
      const notice = await hooks.postToolUse(id.agentId, input.session_id, input.tool_name);
      return notice ? c.json(postToolUseOutput(notice)) : nothing(c);
    })
    .post(path(ROUTES.hooks.sessionEnd), async (c) => {
      const input = await hookInput(c);
      const id = identify(c, services);
      if (id.ok) await hooks.sessionEnd(id.agentId, input.session_id);
      return nothing(c);
    });
}
