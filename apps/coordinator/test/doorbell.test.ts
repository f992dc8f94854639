import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'redis';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { createDoorbell } from '../src/store/doorbell.js';
import { BELL, createKeys } from '../src/store/keys.js';
import { connectRedis, type RedisConnections } from '../src/store/redis-client.js';

let connections: RedisConnections;
let publisher: ReturnType<typeof createClient>;
const keys = createKeys(`t-${randomUUID().slice(0, 8)}`);

beforeEach(async () => {
  connections = connectRedis({ url: inject('redisUrl') }, createLogger('silent'));
  publisher = createClient({ url: inject('redisUrl') });
  await publisher.connect();
  while (!(await connections.pingAll())[0]?.ok) await sleep(10);
});

afterEach(async () => {
  await connections.close();
  await publisher.close();
});

describe('doorbell', () => {
  it('wakes a waiter whose subscription follows the unsubscribe of an idle one', async () => {
    const doorbell = createDoorbell(connections, keys, 5);
    for (let round = 0; round < 20; round++) {
      const first = doorbell.listen('agent-b', 'request');
      await first.ready;
      first.close();
      await sleep(5 + (round % 3)); // the idle subscription is dropped about now
      const bell = doorbell.listen('agent-b', 'request');
      await bell.ready;
      await publisher.sPublish(keys.bell('agent-b'), BELL.request);
      const started = Date.now();
      await bell.next(2_000);
      bell.close();
      expect(Date.now() - started, `round ${round}`).toBeLessThan(1_000);
    }
  });

  it('rings only waiters of the kind that changed', async () => {
    const doorbell = createDoorbell(connections, keys);
    const requests = doorbell.listen('agent-c', 'request');
    const responses = doorbell.listen('agent-c', BELL.answer);
    await Promise.all([requests.ready, responses.ready]);
    await publisher.sPublish(keys.bell('agent-c'), BELL.answer);
    const started = Date.now();
    await Promise.all([responses.next(2_000), requests.next(300)]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    requests.close();
    responses.close();
  });
});
