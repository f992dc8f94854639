/** A store over the run's real Redis, under a fresh key prefix, plus a raw client to look inside. */
import { randomUUID } from 'node:crypto';
import type { Request } from '@c3po/protocol';
import { createClient } from 'redis';
import { ulid } from 'ulid';
import { inject } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createStore, type Store } from '../../src/store/create-store.js';
import { createKeys, type Keys } from '../../src/store/keys.js';
import { connectRedis } from '../../src/store/redis-client.js';

const newRaw = (url: string) => createClient({ url, RESP: 2 });
type RawClient = ReturnType<typeof newRaw>;

export interface TestStore {
  store: Store;
  keys: Keys;
  raw: RawClient;
  close(): Promise<void>;
}

export async function openTestStore(): Promise<TestStore> {
  const prefix = `t-${randomUUID().slice(0, 8)}`;
  const url = inject('redisUrl');
  const connections = connectRedis(url, createLogger('silent'));
  const raw = newRaw(url);
  await raw.connect();
  while (!connections.command.isReady) await new Promise((r) => setTimeout(r, 10));
  return {
    store: createStore(connections, prefix),
    keys: createKeys(prefix),
    raw,
    async close() {
      await connections.close();
      await raw.close();
    },
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
