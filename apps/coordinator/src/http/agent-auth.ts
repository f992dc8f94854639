/**
 * @module Authenticates a call as the agent it names (403 when its token may not), and only then
 * records the agent as seen, with what it says it is for.
 */
import { DESCRIPTION_MAX_CHARS, HEADERS } from '@c3po/protocol';
import type { Context, MiddlewareHandler } from 'hono';
import type { Caller } from '../service/caller.js';
import type { Services } from '../service/create-services.js';
import type { AppEnv } from './app-env.js';
import { bearerToken } from './bearer.js';

/** The X-Agent-Description header: trimmed, at most 200 characters; empty or `${…}` is none. */
export function agentDescription(c: Context): string | undefined {
  const raw = c.req.header(HEADERS.agentDescription)?.trim();
  if (!raw || raw.includes('${')) return undefined;
  return [...raw].slice(0, DESCRIPTION_MAX_CHARS).join('');
}

/** The authenticated caller of a request whose identity middleware has run. */
export async function authenticate(c: Context<AppEnv>, services: Services): Promise<Caller> {
  const agentId = c.get('agentId');
  const { tokenDigest } = await services.auth.authorizeAgent(bearerToken(c), agentId);
  await services.agents.seen(agentId, agentDescription(c));
  return tokenDigest ? { agentId, tokenDigest } : { agentId };
}

export function agentAuth(services: Services): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('caller', await authenticate(c, services));
    await next();
  };
}
