import type { AgentInfo, DeliveredRequest, Response } from '@c3po/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS, type Backend } from './helpers/backends.js';
import { startTestCoordinator, type TestCoordinator } from './helpers/coordinator.js';
import { type Agent, connectAgent } from './helpers/mcp-client.js';

type Received = { status: string; requests: DeliveredRequest[] };
type Answer = { status: string; response: Response };

describe.each(BACKENDS)('two agents over MCP (%s Redis)', (backend: Backend) => {
  let coordinator: TestCoordinator;
  let a: Agent;
  let b: Agent;

  beforeEach(async () => {
    coordinator = await startTestCoordinator({}, backend);
    a = await connectAgent(coordinator.url, 'agent-a');
    b = await connectAgent(coordinator.url, 'agent-b');
  });

  afterEach(async () => {
    await Promise.all([a.close(), b.close()]);
    await coordinator.stop();
  });

  it('hold a multi-turn conversation that both can replay', async () => {
    const listening = b.call<Received>('wait_for_request', { timeout_seconds: 10 });
    const sent = await a.call<{ request_id: string; conversation_id: string; state: string }>(
      'send_request',
      {
        to: 'agent-b',
        message: 'What port does the API use?',
        context: 'Looking at docker-compose.yml',
      },
    );
    expect(sent.state).toBe('queued');

    const received = await listening;
    expect(received.status).toBe('received');
    expect(received.requests).toHaveLength(1);
    expect(received.requests[0]).toMatchObject({
      request_id: sent.request_id,
      conversation_id: sent.conversation_id,
      from: 'agent-a',
      to: 'agent-b',
      message: 'What port does the API use?',
      context: 'Looking at docker-compose.yml',
      delivery_count: 1,
    });

    const waiting = a.call<Answer>('wait_for_response', {
      request_id: sent.request_id,
      timeout_seconds: 10,
    });
    await b.call('respond_to_request', { request_id: sent.request_id, response: 'Port 8080.' });
    const answer = await waiting;
    expect(answer.status).toBe('received');
    expect(answer.response).toMatchObject({
      from: 'agent-b',
      to: 'agent-a',
      response: 'Port 8080.',
      status: 'success',
    });

    // Follow-up in the same conversation.
    const followUp = await a.call<{ request_id: string; conversation_id: string }>('send_request', {
      to: 'agent-b',
      message: 'And in production?',
      conversation_id: sent.conversation_id,
    });
    expect(followUp.conversation_id).toBe(sent.conversation_id);
    const second = await b.call<Received>('wait_for_request', { timeout_seconds: 10 });
    expect(second.requests[0]?.message).toBe('And in production?');
    await b.call('respond_to_request', {
      request_id: followUp.request_id,
      response: '443 behind nginx.',
      status: 'success',
    });
    const secondAnswer = await a.call<Answer>('wait_for_response', {
      request_id: followUp.request_id,
      timeout_seconds: 10,
    });
    expect(secondAnswer.response.response).toBe('443 behind nginx.');

    for (const agent of [a, b]) {
      const replay = await agent.call<{
        messages: { type: string; message?: string; response?: string }[];
        total: number;
      }>('get_conversation', { conversation_id: sent.conversation_id });
      expect(replay.total).toBe(4);
      expect(replay.messages.map((m) => [m.type, m.message ?? m.response])).toEqual([
        ['request', 'What port does the API use?'],
        ['response', 'Port 8080.'],
        ['request', 'And in production?'],
        ['response', '443 behind nginx.'],
      ]);
    }
  });

  it('returns a response again when asked again by request_id, but hands it out once without one', async () => {
    const { request_id } = await a.call<{ request_id: string }>('send_request', {
      to: 'agent-b',
      message: 'ping',
    });
    await b.call('wait_for_request', { timeout_seconds: 5 });
    await b.call('respond_to_request', { request_id, response: 'pong' });

    const any = await a.call<Answer>('wait_for_response', { timeout_seconds: 5 });
    expect(any.response.response).toBe('pong');
    const again = await a.call<Answer>('wait_for_response', { request_id, timeout_seconds: 0 });
    expect(again.response.response).toBe('pong');
    const none = await a.call<{ status: string }>('wait_for_response', { timeout_seconds: 0 });
    expect(none.status).toBe('timeout');
  });

  it('does not hand out by "any" a response already received by request_id', async () => {
    const { request_id } = await a.call<{ request_id: string }>('send_request', {
      to: 'agent-b',
      message: 'q',
    });
    await b.call('respond_to_request', { request_id, response: 'r' });
    expect(
      (await a.call<Answer>('wait_for_response', { request_id, timeout_seconds: 0 })).status,
    ).toBe('received');
    expect(
      (await a.call<{ status: string }>('wait_for_response', { timeout_seconds: 0 })).status,
    ).toBe('timeout');
  });

  it('lists who is online and who is waiting', async () => {
    const waiting = b.call('wait_for_request', { timeout_seconds: 3 });
    await expect
      .poll(
        async () =>
          (await a.call<{ agents: AgentInfo[] }>('list_agents')).agents.find(
            (x) => x.agent_id === 'agent-b',
          )?.waiting,
      )
      .toBe(true);
    const { agents } = await a.call<{ agents: AgentInfo[] }>('list_agents');
    expect(agents.map((x) => x.agent_id).sort()).toEqual(['agent-a', 'agent-b']);
    expect(agents.every((x) => x.status === 'online')).toBe(true);
    expect(agents.find((x) => x.agent_id === 'agent-a')?.waiting).toBe(false);
    await waiting;
    const after = await a.call<{ agents: AgentInfo[] }>('list_agents');
    expect(after.agents.find((x) => x.agent_id === 'agent-b')?.waiting).toBe(false);
  });

  it('lists pending requests without removing them, over MCP and REST', async () => {
    const first = await a.call<{ request_id: string }>('send_request', {
      to: 'agent-b',
      message: 'first '.repeat(50),
    });
    const second = await a.call<{ request_id: string }>('send_request', {
      to: 'agent-b',
      message: 'second',
    });

    const rest = async () => {
      const res = await fetch(`${coordinator.url}/api/pending`, {
        headers: { 'X-Agent-ID': 'agent-b' },
      });
      expect(res.status).toBe(200);
      return (await res.json()) as {
        count: number;
        requests: { request_id: string; preview: string; from: string }[];
      };
    };
    const before = await rest();
    expect(before.count).toBe(2);
    expect(before.requests.map((r) => r.request_id)).toEqual([first.request_id, second.request_id]);
    expect(before.requests[0]?.preview).toHaveLength(200);
    expect(before.requests[0]?.from).toBe('agent-a');

    // The sender sees that nobody has looked at its request yet.
    const state = await a.call<{ request_state: string }>('wait_for_response', {
      request_id: first.request_id,
      timeout_seconds: 0,
    });
    expect(state.request_state).toBe('queued');

    for (let i = 0; i < 2; i++) {
      const pending = await b.call<{ requests: DeliveredRequest[]; total: number }>(
        'get_pending_requests',
      );
      expect(pending.total).toBe(2);
      expect(pending.requests.map((r) => r.request_id)).toEqual([
        first.request_id,
        second.request_id,
      ]);
      expect(pending.requests.map((r) => r.delivery_count)).toEqual([1, 1]);
    }
    expect((await rest()).count).toBe(2);
    const delivered = await a.call<{ request_state: string }>('wait_for_response', {
      request_id: first.request_id,
      timeout_seconds: 0,
    });
    expect(delivered.request_state).toBe('delivered');

    await b.call('respond_to_request', { request_id: first.request_id, response: 'done' });
    const after = await rest();
    expect(after.count).toBe(1);
    expect(after.requests.map((r) => r.request_id)).toEqual([second.request_id]);
  });

  it('queues a request for a known agent that is offline, and says so', async () => {
    const c = await connectAgent(coordinator.url, 'agent-c');
    await c.call('list_agents');
    await c.close();
    await coordinator.services.agents.end('agent-c');
    const sent = await a.call<{ recipient_status: string; next: string; state: string }>(
      'send_request',
      {
        to: 'agent-c',
        message: 'when you are back',
      },
    );
    expect(sent.recipient_status).toBe('offline');
    expect(sent.state).toBe('queued');
    expect(sent.next).toContain('offline');
    const back = await connectAgent(coordinator.url, 'agent-c');
    const got = await back.call<Received>('wait_for_request', { timeout_seconds: 0 });
    expect(got.requests[0]?.message).toBe('when you are back');
    await back.close();
  });

  it('returns the first request when a send is retried with the same idempotency key', async () => {
    const args = { to: 'agent-b', message: 'once only', idempotency_key: 'retry-1' };
    const first = await a.call<{ request_id: string; duplicate: boolean }>('send_request', args);
    const second = await a.call<{ request_id: string; duplicate: boolean }>('send_request', args);
    expect(second.request_id).toBe(first.request_id);
    expect([first.duplicate, second.duplicate]).toEqual([false, true]);
    const pending = await b.call<{ total: number }>('get_pending_requests');
    expect(pending.total).toBe(1);
  });
});
