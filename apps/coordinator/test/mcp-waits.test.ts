import type { AgentInfo, DeliveredRequest } from '@c3po/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { BACKENDS, type Backend } from './helpers/backends.js';
import { startTestCoordinator as startOn, type TestCoordinator } from './helpers/coordinator.js';
import { type Agent, connectAgent } from './helpers/mcp-client.js';

type Received = {
  status: string;
  requests?: DeliveredRequest[];
  timeout_applied_seconds: number;
  capped?: boolean;
};

describe.each(BACKENDS)('on %s Redis', (backend: Backend) => {
  const startTestCoordinator = (env: Record<string, string> = {}) => startOn(env, backend);
  let coordinator: TestCoordinator;
  const agents: Agent[] = [];

  async function setup(env: Record<string, string> = {}) {
    coordinator = await startTestCoordinator(env);
    const a = await connectAgent(coordinator.url, 'agent-a');
    const b = await connectAgent(coordinator.url, 'agent-b');
    agents.push(a, b);
    return { a, b };
  }

  afterEach(async () => {
    await Promise.all(agents.splice(0).map((x) => x.close()));
    await coordinator.stop();
  });

  async function isWaiting(agent: Agent, id: string) {
    const { agents: list } = await agent.call<{ agents: AgentInfo[] }>('list_agents');
    return list.find((x) => x.agent_id === id)?.waiting;
  }

  describe('wait_for_request', () => {
    it('times out with a normal result that says to call again', async () => {
      const { b } = await setup();
      const started = Date.now();
      const result = await b.call<Received & { next: string; waited_seconds: number }>(
        'wait_for_request',
        { timeout_seconds: 1 },
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
      expect(result.status).toBe('timeout');
      expect(result.timeout_applied_seconds).toBe(1);
      expect(result.next).toMatch(/call wait_for_request again/i);
    });

    it('with timeout 0 checks once without waiting', async () => {
      const { a, b } = await setup();
      expect((await b.call<Received>('wait_for_request', { timeout_seconds: 0 })).status).toBe(
        'timeout',
      );
      await a.call('send_request', { to: 'agent-b', message: 'now' });
      expect((await b.call<Received>('wait_for_request', { timeout_seconds: 0 })).status).toBe(
        'received',
      );
    });

    it('caps a timeout above 90 s and says so', async () => {
      const { a, b } = await setup();
      const waiting = b.call<Received>('wait_for_request', { timeout_seconds: 600 });
      await expect.poll(() => isWaiting(a, 'agent-b'), { timeout: 5_000 }).toBe(true);
      await a.call('send_request', { to: 'agent-b', message: 'hi' });
      const result = await waiting;
      expect(result).toMatchObject({
        status: 'received',
        timeout_applied_seconds: 90,
        capped: true,
      });
    });

    it('sends progress notifications while it waits', async () => {
      const { b } = await setup({ C3PO_PROGRESS_INTERVAL_MS: '150' });
      const progress: { progress: number; message?: string }[] = [];
      await b.call(
        'wait_for_request',
        { timeout_seconds: 1 },
        { onprogress: (p) => progress.push(p) },
      );
      expect(progress.length).toBeGreaterThanOrEqual(3);
      const steps = progress.map((p) => p.progress);
      expect(steps).toEqual([...steps].sort((x, y) => x - y));
      expect(new Set(steps).size).toBe(steps.length);
      expect(progress[0]?.message).toMatch(/waiting for requests \(\d+ s of 1 s\)/);
    });

    it('stops when the client cancels, consumes nothing, and the request is returned later', async () => {
      const { a, b } = await setup();
      const controller = new AbortController();
      const cancelled = b.call(
        'wait_for_request',
        { timeout_seconds: 30 },
        { signal: controller.signal },
      );
      await expect.poll(() => isWaiting(a, 'agent-b'), { timeout: 5_000 }).toBe(true);
      controller.abort();
      await expect(cancelled).rejects.toThrow();
      // The coordinator ended the wait (it no longer lists agent-b as waiting)...
      await expect.poll(() => isWaiting(a, 'agent-b'), { timeout: 5_000 }).toBe(false);
      // ...so a request sent now is not swallowed by it.
      const sent = await a.call<{ request_id: string }>('send_request', {
        to: 'agent-b',
        message: 'after cancel',
      });
      const got = await b.call<Received>('wait_for_request', { timeout_seconds: 5 });
      expect(got.requests?.map((r) => [r.request_id, r.delivery_count])).toEqual([
        [sent.request_id, 1],
      ]);
    });

    it('stops when the client disconnects mid-wait, and consumes nothing', async () => {
      const { a, b } = await setup();
      const controller = new AbortController();
      const raw = fetch(`${coordinator.url}/mcp`, {
        method: 'POST',
        signal: controller.signal,
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json, text/event-stream',
          'X-Agent-ID': 'agent-b',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 7,
          method: 'tools/call',
          params: { name: 'wait_for_request', arguments: { timeout_seconds: 30 } },
        }),
      }).then((res) => res.text());
      await expect.poll(() => isWaiting(a, 'agent-b'), { timeout: 5_000 }).toBe(true);
      controller.abort();
      await expect(raw).rejects.toThrow();
      await expect.poll(() => isWaiting(a, 'agent-b'), { timeout: 5_000 }).toBe(false);
      const sent = await a.call<{ request_id: string }>('send_request', {
        to: 'agent-b',
        message: 'after disconnect',
      });
      const got = await b.call<Received>('wait_for_request', { timeout_seconds: 5 });
      expect(got.requests?.map((r) => [r.request_id, r.delivery_count])).toEqual([
        [sent.request_id, 1],
      ]);
    });

    it('wakes 200 concurrent waiters, each with its own request', async () => {
      coordinator = await startTestCoordinator({ C3PO_SEND_RATE_PER_MINUTE: '1000' });
      const sender = await connectAgent(coordinator.url, 'sender');
      agents.push(sender);
      const waiters = await Promise.all(
        Array.from({ length: 200 }, (_, i) => connectAgent(coordinator.url, `w-${i}`)),
      );
      agents.push(...waiters);
      const results = waiters.map((w) =>
        w.call<Received>('wait_for_request', { timeout_seconds: 30 }),
      );
      await expect
        .poll(() => coordinator.services.waits.openCount(), { timeout: 10_000 })
        .toBe(200);
      await Promise.all(
        waiters.map((w) => sender.call('send_request', { to: w.id, message: `for ${w.id}` })),
      );
      const received = await Promise.all(results);
      received.forEach((r, i) => {
        expect(r.status).toBe('received');
        expect(r.requests?.map((x) => [x.to, x.message])).toEqual([[`w-${i}`, `for w-${i}`]]);
      });
    });
  });

  describe('wait_for_response', () => {
    it('times out saying whether the recipient has seen the request', async () => {
      const { a, b } = await setup();
      const { request_id } = await a.call<{ request_id: string }>('send_request', {
        to: 'agent-b',
        message: 'q',
      });
      const queued = await a.call<{ status: string; request_state: string; next: string }>(
        'wait_for_response',
        {
          request_id,
          timeout_seconds: 1,
        },
      );
      expect(queued).toMatchObject({ status: 'timeout', request_state: 'queued' });
      await b.call('wait_for_request', { timeout_seconds: 0 });
      const delivered = await a.call<{ request_state: string }>('wait_for_response', {
        request_id,
        timeout_seconds: 0,
      });
      expect(delivered.request_state).toBe('delivered');
    });

    it('leaves a response pending for the next wait when the waiter went away', async () => {
      const { a, b } = await setup();
      const { request_id } = await a.call<{ request_id: string }>('send_request', {
        to: 'agent-b',
        message: 'q',
      });
      const controller = new AbortController();
      const gone = a.call(
        'wait_for_response',
        { timeout_seconds: 30 },
        { signal: controller.signal },
      );
      controller.abort();
      await expect(gone).rejects.toThrow();
      await b.call('respond_to_request', { request_id, response: 'kept for you' });
      const later = await a.call<{ response: { response: string } }>('wait_for_response', {
        timeout_seconds: 5,
      });
      expect(later.response.response).toBe('kept for you');
    });
  });

  describe('shutdown', () => {
    it('answers open waits with "retry"', async () => {
      const { b } = await setup();
      const waiting = b.call<{ status: string; retry_after_seconds: number; next: string }>(
        'wait_for_request',
        {
          timeout_seconds: 30,
        },
      );
      await expect.poll(() => coordinator.services.waits.openCount()).toBe(1);
      const stopped = coordinator.stop();
      const result = await waiting;
      expect(result.status).toBe('retry');
      expect(result.retry_after_seconds).toBeGreaterThan(0);
      expect(result.next).toMatch(/nothing was lost/);
      await stopped;
    });
  });
});
