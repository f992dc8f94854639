import type { DeliveredRequest } from '@c3po/protocol';
import { startRedisServer, type TestRedis } from '@c3po/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCoordinator, type TestCoordinator } from './helpers/coordinator.js';
import { request } from './helpers/http.js';
import { type Agent, connectAgent, errorText } from './helpers/mcp-client.js';

let redis: TestRedis;
let coordinator: TestCoordinator;
let a: Agent;
let b: Agent;

beforeAll(async () => {
  redis = await startRedisServer(['--appendonly', 'yes', '--appendfsync', 'always']);
  coordinator = await startTestCoordinator({ REDIS_URL: redis.url });
  a = await connectAgent(coordinator.url, 'agent-a');
  b = await connectAgent(coordinator.url, 'agent-b');
});

afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
  await coordinator.stop();
  await redis.dispose();
});

describe('Redis outage', () => {
  it('degrades with clear retryable errors, then recovers without a restart and loses nothing', async () => {
    const before = await a.call<{ request_id: string; conversation_id: string }>('send_request', {
      to: 'agent-b',
      message: 'stored before the outage',
    });

    await redis.stop(true); // kill -9: AOF must keep what was acknowledged

    const health = await request(`${coordinator.url}/api/health`);
    expect(health.status).toBe(503);
    expect(health.json()).toMatchObject({ status: 'degraded', redis: 'unreachable' });

    const send = await a.raw('send_request', { to: 'agent-b', message: 'during the outage' });
    expect(send.isError).toBe(true);
    expect(errorText(send)).toMatch(
      /^unavailable: .*cannot reach its Redis store.*call again in a few seconds/i,
    );

    const pending = await request(`${coordinator.url}/api/pending`, {
      headers: { 'X-Agent-ID': 'agent-b' },
    });
    expect(pending.status).toBe(503);
    expect(pending.headers['retry-after']).toBeDefined();
    expect(pending.json()).toMatchObject({ error: { code: 'unavailable' } });

    // A wait that starts during the outage rides it out and is woken after recovery.
    const waiting = b.call<{ status: string; requests: DeliveredRequest[] }>('wait_for_request', {
      timeout_seconds: 20,
    });
    await new Promise((r) => setTimeout(r, 1_000));
    await redis.restart();

    await expect
      .poll(async () => (await request(`${coordinator.url}/api/health`)).status, {
        timeout: 10_000,
        interval: 200,
      })
      .toBe(200);
    const got = await waiting;
    expect(got.status).toBe('received');
    expect(got.requests.map((r) => r.message)).toEqual(['stored before the outage']);

    const after = await a.call<{ request_id: string }>('send_request', {
      to: 'agent-b',
      message: 'after the outage',
    });
    const pendingAfter = await b.call<{ requests: DeliveredRequest[] }>('get_pending_requests');
    expect(pendingAfter.requests.map((r) => r.request_id)).toEqual([
      before.request_id,
      after.request_id,
    ]);
    const replay = await a.call<{ total: number }>('get_conversation', {
      conversation_id: before.conversation_id,
    });
    expect(replay.total).toBe(1);
  });
});
