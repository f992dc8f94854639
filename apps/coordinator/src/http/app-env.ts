/** @module Hono context variables set by the middlewares, and the Node bindings of the server. */
import type { HttpBindings } from '@hono/node-server';
import type { Caller } from '../service/caller.js';

export interface AppEnv {
  /** Present when served by @hono/node-server (absent under `app.request()` in tests). */
  Bindings: Partial<HttpBindings>;
  Variables: {
    /** The agent this call acts as, set by the identity middleware. */
    agentId: string;
    /** The authenticated caller, set by the agent-auth middleware. */
    caller: Caller;
  };
}
