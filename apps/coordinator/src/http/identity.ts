/** @module Resolves which agent a call acts as, from X-Agent-ID / X-Project-Dir; 400 when missing. */
import { HEADERS, resolveIdentity } from '@c3po/protocol';
import type { MiddlewareHandler } from 'hono';
import { AppError } from '../errors.js';
import type { AppEnv } from './app-env.js';

/** Sets `agentId` (nothing is recorded until the call is authenticated). */
export function identity(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const result = resolveIdentity({
      agentId: c.req.header(HEADERS.agentId),
      projectDir: c.req.header(HEADERS.projectDir),
    });
    if (!result.ok) throw new AppError(result.code, result.message, { hint: result.hint });
    c.set('agentId', result.agentId);
    await next();
  };
}
