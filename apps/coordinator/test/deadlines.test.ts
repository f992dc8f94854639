import type { Response } from '@c3po/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { BACKENDS, type Backend } from './helpers/backends.js';
import { startTestCoordinator, type TestCoordinator } from './helpers/coordinator.js';
import { type Agent, connectAgent, errorText } from './helpers/mcp-client.js';

type Waited = {
  status: string;
  response?: Response;
  request_state?: string;
  recipient_status?: string;
  next?: string;
  waited_seconds: number;
};

describe.each(BACKENDS)('request deadlines (%s Redis)', (backend: Backend) => {
  const coordinators: TestCoordinator[] = [];
  const agents: Agent[] = [];
  const start = async (env: Record<string, string> = {}, prefix?: string) => {
    const c = await startTestCoordinator({ C3PO_EXPIRY_SWEEP_MS: '100', ...env }, backend, prefix);
    coordinators.push(c);
    return c;
  };
  const connect = async (c: TestCoordinator, id: string) => {
    const agent = await connectAgent(c.url, id);
    agents.push(agent);
    return agent;
  };
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.close()));
    await Promise.all(coordinators.splice(0).map((c) => c.stop()));
  });

  it('ends the wait of a sender whose recipient took the request and vanished', async () => {
    const c = await start();
    const a = await connect(c, 'agent-a');
    const b = await connect(c, 'agent-b');
    const { request_id } = await a.call<{ request_id: string; expires_at: string }>(
      'send_request',
      { to: 'agent-b', message: 'quick one', expires_in_seconds: 2 },
    );
    await b.call('wait_for_request', { timeout_seconds: 1 });
    await b.close(); // gone for good
    await c.services.agents.end('agent-b');
    const started = Date.now();
    const waited = await a.call<Waited>('wait_for_response', { request_id, timeout_seconds: 30 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(waited.status).toBe('expired');
    expect(waited.request_state).toBe('expired');
    expect(waited.response).toMatchObject({ status: 'error', from: 'agent-b', to: 'agent-a' });
    expect(waited.response?.response).toMatch(/expired: agent-b did not answer within 2 s/);
  });

  it('expires a request its recipient never reads: the recipient no longer sees it, and a late answer is refused', async () => {
    const c = await start();
    const a = await connect(c, 'agent-a');
    const b = await connect(c, 'agent-b');
    await b.call('list_agents');
    const { request_id, conversation_id } = await a.call<{
      request_id: string;
      conversation_id: string;
    }>('send_request', { to: 'agent-b', message: 'are you there?', expires_in_seconds: 1 });
    // The sender is not waiting: the coordinator ends the request by itself, and queues the
    // error answer for a wait without request_id.
    await expect
      .poll(async () => (await b.call<{ total: number }>('get_pending_requests')).total, {
        timeout: 5_000,
      })
      .toBe(0);
    const later = await a.call<Waited>('wait_for_response', { timeout_seconds: 0 });
    expect(later).toMatchObject({ status: 'expired', request_state: 'expired' });
    const late = await b.raw('respond_to_request', { request_id, response: 'yes!' });
    expect(errorText(late)).toMatch(/^expired: Request \w+ expired before your answer/);
    const replay = await a.call<{ messages: { type: string; state?: string; status?: string }[] }>(
      'get_conversation',
      { conversation_id },
    );
    expect(replay.messages.map((m) => m.state ?? m.status)).toEqual(['expired', 'error']);
  });

  it('says whether the recipient is still around when a wait times out', async () => {
    const c = await start();
    const a = await connect(c, 'agent-a');
    const b = await connect(c, 'agent-b');
    await b.call('list_agents');
    const { request_id } = await a.call<{ request_id: string }>('send_request', {
      to: 'agent-b',
      message: 'q',
    });
    const online = await a.call<Waited>('wait_for_response', { request_id, timeout_seconds: 0 });
    expect(online).toMatchObject({ status: 'timeout', recipient_status: 'online' });
    await c.services.agents.end('agent-b');
    const offline = await a.call<Waited>('wait_for_response', { request_id, timeout_seconds: 0 });
    expect(offline).toMatchObject({ status: 'timeout', recipient_status: 'offline' });
    expect(offline.next).toMatch(/offline.*cancel_request/);
  });

  it('expires each request exactly once with several coordinators sweeping', async () => {
    const first = await start();
    const second = await start({}, first.prefix);
    const third = await start({}, first.prefix);
    const a = await connect(first, 'agent-a');
    const b = await connect(second, 'agent-b');
    await b.call('list_agents');
    const sent = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        a.call<{ request_id: string }>('send_request', {
          to: 'agent-b',
          message: `m${i}`,
          expires_in_seconds: 1,
        }),
      ),
    );
    const ids = new Set(sent.map((s) => s.request_id));
    const got: string[] = [];
    const a2 = await connect(third, 'agent-a');
    for (let i = 0; i < 40 && got.length < ids.size; i++) {
      const w = await a2.call<Waited>('wait_for_response', { timeout_seconds: 5 });
      if (w.response) got.push(w.response.request_id);
    }
    expect(got.sort()).toEqual([...ids].sort());
    expect((await a2.call<Waited>('wait_for_response', { timeout_seconds: 0 })).status).toBe(
      'timeout',
    );
  });
});
