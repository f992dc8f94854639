/** A store over the run's real Redis (or cluster), under a fresh key prefix, plus raw access. */
import { randomUUID } from 'node:crypto';
import type { Request } from '@c3po/protocol';
import { ulid } from 'ulid';
import { createLogger } from '../../src/logger.js';
import { createStore, type Store } from '../../src/store/create-store.js';
import type { SendCommit } from '../../src/store/inbox-store.js';
import { createKeys, type Keys } from '../../src/store/keys.js';
import { connectRedis, type RedisConnections } from '../../src/store/redis-client.js';
import { type Backend, backendTarget } from './backends.js';

export interface TestStore {
  store: Store;
  keys: Keys;
  /** Raw commands (routed by key on a cluster). */
  redis: RedisConnections;
  close(): Promise<void>;
}

export async function openTestStore(backend: Backend = 'single'): Promise<TestStore> {
  const prefix = `t-${randomUUID().slice(0, 8)}`;
  const redis = connectRedis(backendTarget(backend), createLogger('silent'));
  for (let i = 0; i < 200; i++) {
    if (
      (await redis.pingAll()).every((n) => n.ok) &&
      (backend === 'single' || (await redis.pingAll()).length >= 3)
    )
      break;
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    store: createStore(redis, prefix),
    keys: createKeys(prefix),
    redis,
    close: () => redis.close(),
  };
}

export function makeRequest(overrides: Partial<Request> = {}): Request {
  return {
    request_id: ulid(),
    conversation_id: ulid(),
    from: 'agent-a',
    to: 'agent-b',
    message: 'hello',
    created_at: new Date().toISOString(),
    ...overrides,
  };
}

/** A send commit of `request` with roomy limits and a one-minute deadline. */
export function makeCommit(request: Request, overrides: Partial<SendCommit> = {}): SendCommit {
  return {
    request,
    expiresAtMs: Date.now() + 60_000,
    ttlSeconds: 60,
    preview: request.message.slice(0, 200),
    bytes: Buffer.byteLength(request.message),
    fingerprint: 'f',
    dedupe: undefined,
    limits: { maxUnanswered: 100, maxBytes: 1_000_000 },
    recordTtlMs: 3_600_000,
    ...overrides,
  };
}
