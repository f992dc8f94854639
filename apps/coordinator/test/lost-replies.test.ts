/**
 * A send whose commit ran on Redis but whose reply was lost on the way back: the request exists, so
 * the send must not undo its deadline, sender index and conversation entry. And a send refused for
 * its conversation leaves nothing behind. Redis is real; a proxy in front of it cuts the connection
 * right after the commit was passed on.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { startRedisServer, type TestRedis } from '@c3po/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import type { Caller } from '../src/service/caller.js';
import { createKeys, type Keys } from '../src/store/keys.js';
import { connectRedis, type RedisConnections } from '../src/store/redis-client.js';
import { startTestCoordinator, type TestCoordinator } from './helpers/coordinator.js';
import { type RedisProxy, startRedisProxy } from './helpers/redis-proxy.js';

const SEND_SHA = createHash('sha1')
  .update(readFileSync(new URL('../src/store/scripts/send-4.lua', import.meta.url), 'utf8'))
  .digest('hex');

let redis: TestRedis;
let proxy: RedisProxy;
let c: TestCoordinator;
let direct: RedisConnections;
let keys: Keys;
const caller = (agentId: string): Caller => ({ agentId });

beforeAll(async () => {
  redis = await startRedisServer();
  proxy = await startRedisProxy({ host: '127.0.0.1', port: redis.port });
  c = await startTestCoordinator({ REDIS_URL: proxy.url });
  direct = connectRedis({ url: redis.url }, createLogger('silent'));
  keys = createKeys(c.prefix);
  for (const agent of ['agent-a', 'agent-b', 'agent-c']) await c.services.agents.seen(agent);
});

afterAll(async () => {
  await c?.stop();
  await direct?.close();
  await proxy?.close();
  await redis?.dispose();
});

const deadline = (to: string, rid: string) =>
  direct.call(keys.deadlines, 'ZSCORE', keys.deadlines, `${to} ${rid}`);

describe('a send whose reply was lost', () => {
  it('keeps the request it committed: its deadline, cancel by its sender, and its conversation entry', async () => {
    const lost = proxy.loseReplyTo(SEND_SHA);
    const sent = await c.services.requests.send(caller('agent-a'), {
      to: 'agent-b',
      message: 'the reply to this commit is lost',
    });
    await lost;
    expect(sent.state).toBe('queued');
    expect(await deadline('agent-b', sent.request_id)).not.toBeNull();
    const pending = await c.services.requests.pending('agent-b', 10);
    expect(pending.requests.map((r) => r.request_id)).toEqual([sent.request_id]);
    const history = await c.services.conversations.get('agent-a', {
      conversation_id: sent.conversation_id,
    });
    expect(history.messages.map((m) => m.request_id)).toContain(sent.request_id);
    const cancelled = await c.services.requests.cancel(caller('agent-a'), {
      request_id: sent.request_id,
    });
    expect(cancelled.state).toBe('cancelled');
  });
});

describe('a send refused for its conversation', () => {
  it('leaves no deadline and no sender index behind', async () => {
    while (!(await c.services.health().catch(() => undefined))?.ok)
      await new Promise((r) => setTimeout(r, 50));
    const first = await c.services.requests.send(caller('agent-a'), {
      to: 'agent-b',
      message: 'hi',
    });
    const sentIndex = async () =>
      ((await direct.call(keys.deadlines, 'KEYS', `${c.prefix}:*:sent:*`)) as string[]).length;
    const before = [
      Number(await direct.call(keys.deadlines, 'ZCARD', keys.deadlines)),
      await sentIndex(),
    ];
    await expect(
      c.services.requests.send(caller('agent-c'), {
        to: 'agent-b',
        message: 'let me in',
        conversation_id: first.conversation_id,
      }),
    ).rejects.toMatchObject({ code: 'forbidden' });
    await expect(
      c.services.requests.send(caller('agent-a'), {
        to: 'agent-b',
        message: 'where did it go',
        conversation_id: '01JZZZZZZZZZZZZZZZZZZZZZZZ',
      }),
    ).rejects.toMatchObject({ code: 'not_found' });
    const after = [
      Number(await direct.call(keys.deadlines, 'ZCARD', keys.deadlines)),
      await sentIndex(),
    ];
    expect(after).toEqual(before);
  });
});
