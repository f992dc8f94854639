import { connect as tcpConnect } from 'node:net';
import type { Response } from '@c3po/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { BACKENDS, type Backend } from './helpers/backends.js';
import { startTestCoordinator, type TestCoordinator } from './helpers/coordinator.js';
import { type Agent, connectAgent, errorText } from './helpers/mcp-client.js';

type Waited = { status: string; response?: Response; request_state?: string };
type Sent = { request_id: string; conversation_id: string };

describe.each(BACKENDS)('answers (%s Redis)', (backend: Backend) => {
  let coordinator: TestCoordinator;
  const agents: Agent[] = [];
  const setup = async (env: Record<string, string> = {}) => {
    coordinator = await startTestCoordinator(env, backend);
    const a = await connectAgent(coordinator.url, 'agent-a');
    const b = await connectAgent(coordinator.url, 'agent-b');
    agents.push(a, b);
    await b.call('list_agents');
    return { a, b };
  };
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((x) => x.close()));
    await coordinator.stop();
  });

  it('wait_for_response without request_id finds a new answer at once, whatever was taken by id before', async () => {
    const { a, b } = await setup({ C3PO_SEND_RATE_PER_MINUTE: '1000' });
    for (let i = 0; i < 40; i++) {
      const { request_id } = await a.call<Sent>('send_request', {
        to: 'agent-b',
        message: `q${i}`,
      });
      await b.call('respond_to_request', { request_id, response: `a${i}` });
      const byId = await a.call<Waited>('wait_for_response', { request_id, timeout_seconds: 0 });
      expect(byId.response?.response).toBe(`a${i}`);
    }
    const last = await a.call<Sent>('send_request', { to: 'agent-b', message: 'the last' });
    await b.call('respond_to_request', { request_id: last.request_id, response: 'here' });
    const started = Date.now();
    const any = await a.call<Waited>('wait_for_response', { timeout_seconds: 10 });
    expect(any.response?.request_id).toBe(last.request_id);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect((await a.call<Waited>('wait_for_response', { timeout_seconds: 0 })).status).toBe(
      'timeout',
    );
  });

  it('takes a retried answer as the same answer, and another answer as a conflict', async () => {
    const { a, b } = await setup();
    const { request_id } = await a.call<Sent>('send_request', { to: 'agent-b', message: 'q' });
    const first = await b.call<{ response_id: string; duplicate: boolean }>('respond_to_request', {
      request_id,
      response: 'same words',
    });
    const retry = await b.call<{ response_id: string; duplicate: boolean }>('respond_to_request', {
      request_id,
      response: 'same words',
    });
    expect(retry).toEqual({ ...first, duplicate: true });
    expect(first.duplicate).toBe(false);
    const other = await b.raw('respond_to_request', { request_id, response: 'other words' });
    expect(errorText(other)).toMatch(/^conflict: .*already answered with another answer/);
    // The requester got one answer, once.
    expect(
      (await a.call<Waited>('wait_for_response', { timeout_seconds: 0 })).response?.response,
    ).toBe('same words');
    expect((await a.call<Waited>('wait_for_response', { timeout_seconds: 0 })).status).toBe(
      'timeout',
    );
  });

  it('lets a sender cancel: gone from the recipient, its wait ends, a late answer is refused', async () => {
    const { a, b } = await setup();
    const sent = await a.call<Sent>('send_request', { to: 'agent-b', message: 'never mind soon' });
    await b.call('wait_for_request', { timeout_seconds: 1 });
    const waiting = a.call<Waited>('wait_for_response', {
      request_id: sent.request_id,
      timeout_seconds: 20,
    });
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    const cancelled = await a.call<{ state: string }>('cancel_request', {
      request_id: sent.request_id,
    });
    expect(cancelled.state).toBe('cancelled');
    expect(await waiting).toMatchObject({ status: 'cancelled', request_state: 'cancelled' });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await b.call<{ total: number }>('get_pending_requests')).total).toBe(0);
    const late = await b.raw('respond_to_request', { request_id: sent.request_id, response: 'x' });
    expect(errorText(late)).toMatch(/^cancelled: .*cancelled by its sender/);
    // Cancelling again is harmless; an answered request stays answered.
    expect(
      (await a.call<{ state: string }>('cancel_request', { request_id: sent.request_id })).state,
    ).toBe('cancelled');
    const other = await a.call<Sent>('send_request', { to: 'agent-b', message: 'q2' });
    await b.call('respond_to_request', { request_id: other.request_id, response: 'done' });
    expect(
      await a.call<{ state: string; next: string }>('cancel_request', {
        request_id: other.request_id,
      }),
    ).toMatchObject({ state: 'answered', next: expect.stringMatching(/wait_for_response/) });
    const thread = await a.call<{ messages: { type: string; state?: string }[] }>(
      'get_conversation',
      { conversation_id: sent.conversation_id },
    );
    expect(thread.messages.map((m) => m.state ?? m.type)).toEqual(['cancelled', 'cancellation']);
  });

  it('offers a request claimed for a client that disconnected at that instant again at once', async () => {
    const { a } = await setup({ C3PO_SEND_RATE_PER_MINUTE: '10000' });
    const url = new URL(coordinator.url);
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'wait_for_request', arguments: { timeout_seconds: 30 } },
    });
    /**
     * A raw wait that the client abandons: even rounds, once its answer arrived, without reading
     * it (as a client killed at that moment); odd rounds, a few ms after the send that wakes it.
     */
    const abandonedWait = (agent: string, onArrival: boolean) =>
      new Promise<(delayMs: number) => void>((resolve) => {
        const socket = tcpConnect(Number(url.port), url.hostname, () => {
          socket.write(
            `POST /mcp HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nX-Agent-ID: ${agent}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
          );
          socket.pause();
          resolve((delayMs) => {
            if (!onArrival) setTimeout(() => socket.destroy(), delayMs);
            else leave.push(() => socket.destroy());
          });
        });
        socket.on('error', () => {});
      });
    const slow: number[] = [];
    const leave: (() => void)[] = [];
    for (let round = 0; round < 10; round++) {
      const names = Array.from({ length: 20 }, (_, i) => `w${round}-${i}`);
      const drops = await Promise.all(names.map((n) => abandonedWait(n, round % 2 === 0)));
      await expect
        .poll(() => coordinator.services.waits.openCount(), { timeout: 5_000 })
        .toBe(names.length);
      await Promise.all(
        names.map(async (to, i) => {
          const sending = a.call('send_request', { to, message: 'now' });
          drops[i]?.(i % 10); // the client leaves around the moment the request arrives
          await sending;
        }),
      );
      await expect.poll(() => coordinator.services.waits.openCount(), { timeout: 5_000 }).toBe(0);
      for (const go of leave.splice(0)) go();
      await Promise.all(
        names.map(async (name) => {
          const again = await connectAgent(coordinator.url, name);
          const started = Date.now();
          const got = await again.call<{ status: string }>('wait_for_request', {
            timeout_seconds: 3,
          });
          const ms = Date.now() - started;
          await again.close();
          if (got.status !== 'received' || ms > 1_000) slow.push(ms);
        }),
      );
    }
    expect(slow).toEqual([]);
  });
});
