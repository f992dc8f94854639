/**
 * @module The store: every domain verb the service needs, over the Redis connections. Nothing
 * outside this folder talks to Redis.
 */
import { createAnswersStore } from './answers-store.js';
import { createConversationStore } from './conversation-store.js';
import { createDeadlinesStore } from './deadlines-store.js';
import { createDoorbell } from './doorbell.js';
import { createEventsStore } from './events-store.js';
import { createHookStateStore } from './hook-state-store.js';
import { createInboxStore } from './inbox-store.js';
import { createKeys } from './keys.js';
import { createLimitsStore } from './limits-store.js';
import { createOverviewStore } from './overview-store.js';
import { createPresenceStore } from './presence-store.js';
import type { RedisConnections } from './redis-client.js';
import { guarded } from './redis-errors.js';
import { createRequestStore } from './request-store.js';
import { createScriptRunner } from './script-runner.js';
import { createTokenStore } from './token-store.js';

export type Store = ReturnType<typeof createStore>;

export function createStore(redis: RedisConnections, keyPrefix: string) {
  const keys = createKeys(keyPrefix);
  const run = createScriptRunner(redis);
  return {
    inbox: wrapAll(createInboxStore(redis, run, keys)),
    requests: wrapAll(createRequestStore(redis, run, keys)),
    answers: wrapAll(createAnswersStore(redis, run, keys)),
    conversations: wrapAll(createConversationStore(redis, run, keys)),
    presence: wrapAll(createPresenceStore(redis, run, keys)),
    deadlines: wrapAll(createDeadlinesStore(redis, keys)),
    events: wrapAll(createEventsStore(redis, keys)),
    tokens: wrapAll(createTokenStore(redis, keys)),
    limits: wrapAll(createLimitsStore(redis, run, keys)),
    hooks: wrapAll(createHookStateStore(redis, keys)),
    overview: wrapAll(createOverviewStore(redis, keys)),
    doorbell: createDoorbell(redis, keys),
    /** Whether this is one Redis server or a cluster. */
    mode: redis.mode,
    /** PINGs every Redis server (every master of a cluster); never rejects. */
    ping: () => redis.pingAll(),
  };
}

/** Makes every method of a sub-store throw AppErrors (`unavailable` for connection trouble). */
function wrapAll<T extends Record<string, (...args: never[]) => Promise<unknown>>>(store: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(store)) {
    wrapped[name] = (...args: never[]) => guarded(() => fn(...args));
  }
  return wrapped as T;
}
