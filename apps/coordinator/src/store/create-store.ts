/**
 * @module The store: every domain verb the service needs, over one command connection and one
 * subscriber connection. Nothing outside this folder talks to Redis.
 */
import { createConversationStore } from './conversation-store.js';
import { createDoorbell } from './doorbell.js';
import { createHookStateStore } from './hook-state-store.js';
import { createInboxStore } from './inbox-store.js';
import { createKeys } from './keys.js';
import { createLimitsStore } from './limits-store.js';
import { createPresenceStore } from './presence-store.js';
import type { RedisConnections } from './redis-client.js';
import { guarded } from './redis-errors.js';
import { createRequestRecordStore } from './request-record-store.js';
import { createResponseStore } from './response-store.js';
import { createScriptRunner } from './script-runner.js';
import { createTokenStore } from './token-store.js';

export type Store = ReturnType<typeof createStore>;

export function createStore(redis: RedisConnections, keyPrefix: string) {
  const keys = createKeys(keyPrefix);
  const run = createScriptRunner(redis.command);
  return {
    inbox: wrapAll(createInboxStore(redis.command, run, keys)),
    responses: wrapAll(createResponseStore(redis.command, run, keys)),
    conversations: wrapAll(createConversationStore(redis.command, run, keys)),
    records: wrapAll(createRequestRecordStore(redis.command, run, keys)),
    presence: wrapAll(createPresenceStore(redis.command, run, keys)),
    tokens: wrapAll(createTokenStore(redis.command, keys)),
    limits: wrapAll(createLimitsStore(run, keys)),
    hooks: wrapAll(createHookStateStore(redis.command, keys)),
    doorbell: createDoorbell(redis.subscriber, keys),
    /** Round trip to Redis; rejects with `unavailable` when it cannot be reached. */
    ping: () => guarded(() => redis.command.ping()),
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
