/**
 * Redis killed with SIGKILL under the coordinator, with the durability settings the embedded Redis
 * and Compose use (AOF, appendfsync everysec): the coordinator degrades with retryable errors,
 * recovers by itself, and nothing acknowledged is lost.
 */
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
const agents: Agent[] = [];

const UNAVAILABLE = /^unavailable: .*cannot reach its Redis store.*call again in a few seconds/i;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  redis = await startRedisServer(['--appendonly', 'yes', '--appendfsync', 'everysec']);
  coordinator = await startTestCoordinator({
    REDIS_URL: redis.url,
    C3PO_SEND_RATE_PER_MINUTE: '100000',
  });
  a = await connectAgent(coordinator.url, 'agent-a');
  b = await connectAgent(coordinator.url, 'agent-b');
  agents.push(a, b);
});

afterAll(async () => {
  await Promise.all(agents.map((x) => x.close()));
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
    expect(errorText(send)).toMatch(UNAVAILABLE);

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

  it('keeps every send acknowledged to its caller through a kill -9 of Redis during traffic', {
    timeout: 60_000,
  }, async () => {
    const senders = await Promise.all(
      [0, 1, 2, 3].map((i) => connectAgent(coordinator.url, `sender-${i}`)),
    );
    const recipients = await Promise.all(
      [0, 1, 2, 3].map((i) => connectAgent(coordinator.url, `recipient-${i}`)),
    );
    agents.push(...senders, ...recipients);
    await Promise.all(recipients.map((r) => r.call('list_agents')));

    /** idempotency key → the request its send was acknowledged with */
    const acked = new Map<string, { to: string; requestId: string }>();
    const refusals: string[] = [];
    let phase: 'before' | 'down' | 'restarting' | 'after' = 'before';
    const ackedIn = { before: 0, down: 0, restarting: 0, after: 0 };
    let running = true;
    const sendLoop = async (s: Agent) => {
      for (let n = 0; running; n++) {
        const key = `${s.id}-${n}`;
        const to = `recipient-${n % recipients.length}`;
        // Refused: sent again with the same key, as a client that got "unavailable" should.
        for (;;) {
          const sent = await s.raw('send_request', { to, message: key, idempotency_key: key });
          if (!sent.isError) {
            const { request_id } = sent.structuredContent as { request_id: string };
            acked.set(key, { to, requestId: request_id });
            ackedIn[phase] += 1;
            break;
          }
          refusals.push(errorText(sent));
          await sleep(100);
        }
        await sleep(10);
      }
    };
    const loops = senders.map(sendLoop);

    await sleep(1_000);
    const ackedBeforeKill = acked.size;
    await redis.stop(true); // kill -9 while the senders keep sending
    phase = 'down';
    const health = await request(`${coordinator.url}/api/health`);
    expect(health.status).toBe(503);
    expect(health.json()).toMatchObject({ status: 'degraded', redis: 'unreachable' });
    // Metrics are scraped still, saying Redis cannot be read and counting the errors.
    const scrape = await request(`${coordinator.url}/metrics`);
    expect(scrape.status).toBe(200);
    expect(scrape.text).toMatch(/^c3po_redis_up 0$/m);
    expect(scrape.text).toMatch(/^c3po_redis_errors_total [1-9]/m);
    await sleep(1_500);
    phase = 'restarting';
    await redis.restart(); // same data directory: the AOF is replayed
    await expect
      .poll(async () => (await request(`${coordinator.url}/api/health`)).status, {
        timeout: 10_000,
        interval: 200,
      })
      .toBe(200);
    phase = 'after';
    await sleep(1_000);
    running = false;
    await Promise.all(loops);

    expect(ackedBeforeKill).toBeGreaterThan(20);
    // While Redis is down, only a send it had committed before dying can be acknowledged.
    expect(ackedIn.down).toBeLessThanOrEqual(senders.length);
    expect(ackedIn.after).toBeGreaterThan(0);
    expect(refusals.length).toBeGreaterThan(0);
    for (const text of refusals) expect(text).toMatch(UNAVAILABLE);

    // Every acknowledged send is in its recipient's inbox, once: listed, then answered, 100 at a time.
    const listed = new Map<string, { to: string; message: string }>();
    for (const r of recipients) {
      for (;;) {
        const { requests } = await r.call<{ requests: DeliveredRequest[] }>(
          'get_pending_requests',
          { limit: 100 },
        );
        if (requests.length === 0) break;
        for (const q of requests) {
          expect(listed.has(q.request_id)).toBe(false);
          listed.set(q.request_id, { to: r.id, message: q.message });
        }
        await Promise.all(
          requests.map((q) =>
            r.call('respond_to_request', { request_id: q.request_id, response: 'ok' }),
          ),
        );
      }
    }
    for (const [key, { to, requestId }] of acked)
      expect(listed.get(requestId)).toEqual({ to, message: key });
    expect(listed.size).toBe(acked.size);
  });
});
