/** @module Hono context variables set by the middlewares. */
export interface AppEnv {
  Variables: {
    /** The agent this call acts as, set by the identity middleware. */
    agentId: string;
  };
}
