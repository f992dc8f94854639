/** @module Refuses (403) a call whose token may not act as the agent it names. */
import type { MiddlewareHandler } from 'hono';
import type { Services } from '../service/create-services.js';
import type { AppEnv } from './app-env.js';
import { bearerToken } from './bearer.js';

export function agentAuth(services: Services): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await services.auth.authorizeAgent(bearerToken(c), c.get('agentId'));
    await next();
  };
}
