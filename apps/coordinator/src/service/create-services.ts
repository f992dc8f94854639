/** @module The service layer: the domain verbs the MCP and HTTP adapters call. */
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/create-store.js';
import { createAgentsService } from './agents-service.js';
import { createAnswersService } from './answers-service.js';
import { createAuthService } from './auth-service.js';
import { createConversationsService } from './conversations-service.js';
import { createHooksService } from './hooks-service.js';
import { createRequestsService } from './requests-service.js';
import { createWaitsService } from './waits-service.js';

export type Services = ReturnType<typeof createServices>;

export function createServices(store: Store, config: Config, logger: Logger) {
  const agents = createAgentsService(store, logger);
  const requests = createRequestsService(store, agents, {
    retentionMs: config.retentionMs,
    sendsPerMinute: config.limits.sendsPerMinute,
  });
  const answers = createAnswersService(store, config.retentionMs);
  const waits = createWaitsService(
    store,
    answers,
    {
      ...config.waits,
      maxDeliveries: config.limits.maxDeliveries,
      waitsPerAgent: config.limits.waitsPerAgent,
    },
    logger,
  );
  return {
    auth: createAuthService(store, config.auth),
    agents,
    requests,
    answers,
    waits,
    conversations: createConversationsService(store),
    hooks: createHooksService(store, agents, requests),
    /** Redis reachable, and how many agents are online. Rejects with `unavailable`. */
    async health() {
      await store.ping();
      return { agentsOnline: await agents.onlineCount(), waiters: waits.openCount() };
    },
  };
}
