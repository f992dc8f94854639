import { type Socket, connect as tcpConnect } from 'node:net';
import { CreatedTokenSchema } from '@c3po/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestCoordinator, type TestCoordinator } from './helpers/coordinator.js';
import { postMcp, request } from './helpers/http.js';
import { type Agent, connectAgent, errorText } from './helpers/mcp-client.js';

const ADMIN = 'admin-secret-for-tests-0123456789';
let coordinator: TestCoordinator;
const agents: Agent[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(agents.splice(0).map((a) => a.close()));
  await coordinator.stop();
});

async function tokenFor(agentsPattern: string) {
  const res = await request(`${coordinator.url}/api/admin/tokens`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ agents: agentsPattern }),
  });
  return CreatedTokenSchema.parse(res.json()).token;
}

async function as(id: string, token?: string) {
  const agent = await connectAgent(
    coordinator.url,
    id,
    token ? { Authorization: `Bearer ${token}` } : {},
  );
  agents.push(agent);
  return agent;
}

const tokenMode = (env: Record<string, string> = {}) =>
  startTestCoordinator({ C3PO_AUTH_MODE: 'token', C3PO_ADMIN_TOKEN: ADMIN, ...env });

describe('limits per token', () => {
  it('counts sends per token whatever agent IDs it acts as', async () => {
    coordinator = await tokenMode({
      C3PO_SEND_RATE_PER_MINUTE: '100',
      C3PO_TOKEN_SEND_RATE_PER_MINUTE: '6',
    });
    const token = await tokenFor('bot-*');
    const target = await as('bot-target', token);
    await target.call('list_agents');
    const senders = await Promise.all([1, 2, 3].map((i) => as(`bot-${i}`, token)));
    const results = [];
    for (let i = 0; i < 9; i++) {
      results.push(
        await (senders[i % 3] as Agent).raw('send_request', { to: 'bot-target', message: `m${i}` }),
      );
    }
    const refused = results.filter((r) => r.isError).map(errorText);
    expect(refused).toHaveLength(3);
    expect(refused[0]).toMatch(
      /^rate_limited: Your token sent 6 requests in the last minute.*Send it again in \d+ seconds/,
    );
    expect((await target.call<{ total: number }>('get_pending_requests')).total).toBe(6);
  });

  it('caps the open waits of a token across its agent IDs, and the agent IDs it may use', async () => {
    coordinator = await tokenMode({
      C3PO_MAX_WAITS_PER_TOKEN: '2',
      C3PO_MAX_AGENTS_PER_TOKEN: '3',
    });
    const token = await tokenFor('w-*');
    const [w1, w2, w3] = await Promise.all(['w-1', 'w-2', 'w-3'].map((id) => as(id, token)));
    const parked = [w1, w2].map((w) =>
      (w as Agent).call('wait_for_request', { timeout_seconds: 3 }),
    );
    await expect.poll(() => coordinator.services.waits.openCount()).toBe(2);
    const third = await (w3 as Agent).raw('wait_for_request', { timeout_seconds: 1 });
    expect(errorText(third)).toMatch(/^rate_limited: Your token already has 2 waits open/);
    await Promise.all(parked);
    expect(
      (await (w3 as Agent).call<{ status: string }>('wait_for_request', { timeout_seconds: 0 }))
        .status,
    ).toBe('timeout');
    const fourth = await postMcp(coordinator.url, {
      'X-Agent-ID': 'w-4',
      Authorization: `Bearer ${token}`,
    });
    expect(fourth.status).toBe(403);
    expect(fourth.text).toMatch(/already acted as 3 different agent IDs/);
  });
});

describe('limits per inbox and per process', () => {
  it('refuses a send to a full inbox with inbox_full, storing nothing', async () => {
    coordinator = await startTestCoordinator({
      C3PO_INBOX_MAX_REQUESTS: '3',
      C3PO_INBOX_MAX_BYTES: '2048',
    });
    const a = await as('agent-a');
    const b = await as('agent-b');
    await b.call('list_agents');
    for (let i = 0; i < 3; i++) await a.call('send_request', { to: 'agent-b', message: `m${i}` });
    const full = await a.raw('send_request', { to: 'agent-b', message: 'one too many' });
    expect(errorText(full)).toMatch(
      /^inbox_full: agent-b has 3 unanswered requests .* Try again later/,
    );
    const pending = await b.call<{ total: number; requests: { request_id: string }[] }>(
      'get_pending_requests',
    );
    expect(pending.total).toBe(3);
    await b.call('respond_to_request', {
      request_id: pending.requests[0]?.request_id,
      response: 'ok',
    });
    expect(
      (await a.raw('send_request', { to: 'agent-b', message: 'room again' })).isError,
    ).toBeFalsy();
    const big = await a.raw('send_request', { to: 'agent-b', message: 'x'.repeat(3000) });
    expect(errorText(big)).toMatch(/^inbox_full/);
  });

  it('refuses waits beyond what the process holds', async () => {
    coordinator = await startTestCoordinator({ C3PO_MAX_WAITS: '3' });
    const waiters = await Promise.all(['p-1', 'p-2', 'p-3', 'p-4'].map((id) => as(id)));
    const parked = waiters
      .slice(0, 3)
      .map((w) => w.call('wait_for_request', { timeout_seconds: 2 }));
    await expect.poll(() => coordinator.services.waits.openCount()).toBe(3);
    expect(
      errorText(await (waiters[3] as Agent).raw('wait_for_request', { timeout_seconds: 1 })),
    ).toMatch(/^rate_limited: This coordinator holds 3 waits/);
    await Promise.all(parked);
  });
});

describe('presence', () => {
  it('records an agent only once its call is authenticated', async () => {
    coordinator = await tokenMode();
    const refused = await postMcp(coordinator.url, {
      'X-Agent-ID': 'sneaky',
      Authorization: 'Bearer nope',
    });
    expect(refused.status).toBe(403);
    const hook = await request(`${coordinator.url}/api/hooks/session-start`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Agent-ID': 'sneaky-hook' },
      body: '{}',
    });
    expect(hook.text).toMatch(/not connected/);
    const token = await tokenFor('real-*');
    const real = await as('real-1', token);
    const { agents: listed } = await real.call<{ agents: { agent_id: string }[] }>('list_agents');
    expect(listed.map((x) => x.agent_id)).toEqual(['real-1']);
  });

  it('bounds the known agents: a new agent ID beyond the cap is refused, known ones work', async () => {
    coordinator = await startTestCoordinator({ C3PO_MAX_AGENTS: '3' });
    for (const id of ['k-1', 'k-2', 'k-3']) await (await as(id)).call('list_agents');
    const extra = await postMcp(coordinator.url, { 'X-Agent-ID': 'k-4' });
    expect(extra.status).toBe(403);
    expect(extra.text).toMatch(/already knows 3 agents.*C3PO_MAX_AGENTS/);
    const known = await as('k-2');
    expect((await known.call<{ total: number }>('list_agents')).total).toBe(3);
  });

  it('forgets what it remembered of agents in memory after a while', async () => {
    coordinator = await startTestCoordinator();
    for (let i = 0; i < 50; i++) await postMcp(coordinator.url, { 'X-Agent-ID': `m-${i}` });
    expect(coordinator.services.agents.memory().touched).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1_100));
    await postMcp(coordinator.url, { 'X-Agent-ID': 'm-last' });
    expect(coordinator.services.agents.memory().touched).toBe(1);
  });
});

describe('connections', () => {
  it('serves a real client within a second while 5,000 idle connections are open', {
    timeout: 60_000,
  }, async () => {
    coordinator = await startTestCoordinator({ C3PO_MAX_CONNECTIONS: '500' });
    const url = new URL(coordinator.url);
    for (let i = 0; i < 5_000; i++) {
      const socket = tcpConnect(Number(url.port), url.hostname);
      socket.on('error', () => {});
      sockets.push(socket);
      if (i % 500 === 499) await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(coordinator.connections()).toBeLessThanOrEqual(500);
    const started = Date.now();
    const client = await as('real-client');
    await client.call('list_agents');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('checks the token before it reads the body', async () => {
    coordinator = await tokenMode();
    const url = new URL(coordinator.url);
    // Headers announce a big body, and only its first bytes come: the refusal must not wait.
    const answer = await new Promise<string>((resolve) => {
      const socket = tcpConnect(Number(url.port), url.hostname, () => {
        socket.write(
          `POST /mcp HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nX-Agent-ID: x-1\r\nAuthorization: Bearer wrong\r\nContent-Length: 900000\r\n\r\n{"jsonrpc":"2.0",`,
        );
      });
      sockets.push(socket);
      let text = '';
      socket.on('data', (d) => {
        text += d.toString();
        if (text.includes('\r\n\r\n')) resolve(text);
      });
      socket.on('error', () => {});
      setTimeout(() => resolve(text || 'no answer'), 3_000);
    });
    expect(answer).toMatch(/^HTTP\/1.1 403/);
  });
});
