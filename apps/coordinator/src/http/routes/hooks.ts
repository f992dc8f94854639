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
import { AppError } from '../../errors.js';
import type { Services } from '../../service/create-services.js';
import { agentDescription } from '../agent-auth.js';
import { bearerToken } from '../bearer.js';
import {
  notConnectedOutput,
  postToolUseOutput,
  promptOutput,
  sessionStartOutput,
  stopOutput,
} from '../hook-output.js';

const path = (route: string) => route.slice('/api'.length);

async function hookInput(c: Context) {
  const body: unknown = await c.req.json().catch(() => ({}));
  const parsed = HookInputSchema.safeParse(body);
  return parsed.success ? parsed.data : {};
}

/** The hook's agent, once its identity and token check out; else why not. */
async function identify(c: Context, services: Services) {
  const result = resolveIdentity({
    agentId: c.req.header(HEADERS.agentId),
    projectDir: c.req.header(HEADERS.projectDir),
  });
  if (!result.ok) return { ok: false as const, problem: `${result.message} ${result.hint}` };
  try {
    await services.auth.authorizeAgent(bearerToken(c), result.agentId);
    await services.agents.seen(result.agentId, agentDescription(c));
  } catch (err) {
    if (!(err instanceof AppError) || err.code !== 'forbidden') throw err;
    return { ok: false as const, problem: `${err.message} ${err.hint ?? ''}`.trim() };
  }
  return { ok: true as const, agentId: result.agentId };
}

/** Redis trouble while a hook asks: the hook stays silent rather than fail the session. */
const unavailable = (err: unknown) => err instanceof AppError && err.code === 'unavailable';

const nothing = (c: Context) => c.body(null, 204);

export function hookRoutes(services: Services) {
  const { hooks } = services;
  return new Hono()
    .post(path(ROUTES.hooks.sessionStart), async (c) => {
      const input = await hookInput(c);
      const url = c.req.header(HEADERS.coordinatorUrl) ?? DEFAULT_COORDINATOR_URL;
      try {
        const id = await identify(c, services);
        if (!id.ok) return c.json(notConnectedOutput(url, id.problem));
        const facts = await hooks.sessionStart(id.agentId, input.session_id);
        return c.json(sessionStartOutput({ agentId: id.agentId, url, ...facts }));
      } catch (err) {
        if (!unavailable(err)) throw err;
        return c.json(
          notConnectedOutput(
            url,
            'the coordinator runs but cannot reach its Redis store right now, so this session works alone for now. Nothing stored is lost; the coordinator reconnects by itself (check it with: curl ' +
              `${url}/api/health).`,
          ),
        );
      }
    })
    .post(path(ROUTES.hooks.stop), async (c) => {
      const input = await hookInput(c);
      const id = await identify(c, services);
      if (!id.ok) return nothing(c);
      const block = await hooks.stop(id.agentId, input.session_id);
      return block ? c.json(stopOutput(block)) : nothing(c);
    })
    .post(path(ROUTES.hooks.prompt), async (c) => {
      const id = await identify(c, services);
      if (!id.ok) return nothing(c);
      const count = await hooks.prompt(id.agentId);
      return count > 0 ? c.json(promptOutput(count)) : nothing(c);
    })
    .post(path(ROUTES.hooks.postToolUse), async (c) => {
      const input = await hookInput(c);
      const id = await identify(c, services);
      if (!id.ok) return nothing(c);
      const notice = await hooks.postToolUse(id.agentId, input.session_id, input.tool_name);
      return notice ? c.json(postToolUseOutput(notice)) : nothing(c);
    })
    .post(path(ROUTES.hooks.sessionEnd), async (c) => {
      const input = await hookInput(c);
      const id = await identify(c, services);
      if (id.ok) await hooks.sessionEnd(id.agentId, input.session_id);
      return nothing(c);
    });
}
