/** @module The service layer: the domain verbs the MCP and HTTP adapters call. */
import { REQUEST_TTL_MAX_SECONDS } from '@c3po/protocol';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/create-store.js';
import { createAgentsService } from './agents-service.js';
import { createAnswersService } from './answers-service.js';
import { createAuthService } from './auth-service.js';
import { createBackground } from './background.js';
import { createConversationsService } from './conversations-service.js';
import { createEventRecorder, type RequestEvent } from './events.js';
import { createHooksService } from './hooks-service.js';
import { createOverviewService } from './overview-service.js';
import { createRequestsService } from './requests-service.js';
import { createWaitRegistry } from './wait-registry.js';
import { createWaitsService } from './waits-service.js';

export type Services = ReturnType<typeof createServices>;

/** What observers outside the service layer (metrics) are told. */
export interface ServiceObservers {
  requestEvent?(type: RequestEvent): void;
}

export function createServices(
  store: Store,
  config: Config,
  logger: Logger,
  observers: ServiceObservers = {},
) {
  const background = createBackground(logger);
  const record = createEventRecorder(store, background, observers.requestEvent);
  const agents = createAgentsService(store, config.limits, background);
  const answers = createAnswersService(
    store,
    { retentionMs: config.retentionMs },
    background,
    record,
  );
  const requests = createRequestsService(
    store,
    agents,
    answers,
    {
      retentionMs: config.retentionMs,
      requestTtlSeconds: config.requestTtlSeconds,
      sendsPerMinute: config.limits.sendsPerMinute,
      tokenSendsPerMinute: config.limits.tokenSendsPerMinute,
      inboxMaxRequests: config.limits.inboxMaxRequests,
      inboxMaxBytes: config.limits.inboxMaxBytes,
    },
    background,
    record,
  );
  const registry = createWaitRegistry(store, config.limits, background);
  const waits = createWaitsService(
    store,
    { agents, answers, registry },
    {
      ...config.waits,
      maxDeliveries: config.limits.maxDeliveries,
      // Long enough to outlast any repair of an answer: a request lives at most this long.
      receivedKeepMs: REQUEST_TTL_MAX_SECONDS * 1000 + 24 * 3600 * 1000,
    },
    background,
    record,
  );
  return {
    auth: createAuthService(store, {
      ...config.auth,
      agentsPerToken: config.limits.agentsPerToken,
    }),
    agents,
    requests,
    answers,
    waits,
    conversations: createConversationsService(store),
    hooks: createHooksService(store, agents, requests),
    overview: createOverviewService(store, { agents, waits, authMode: config.auth.mode }),
    /** Every Redis server's health, and what this process holds. */
    async health() {
      const nodes = await store.ping();
      const ok = nodes.every((n) => n.ok);
      return {
        ok,
        mode: store.mode,
        nodes,
        agentsOnline: ok ? await agents.onlineCount().catch(() => 0) : 0,
        waiters: waits.openCount(),
      };
    },
  };
}
