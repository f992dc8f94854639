import { ErrorBodySchema } from '@c3po/protocol';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestCoordinator, type TestCoordinator } from './helpers/coordinator.js';
import { postMcp, request } from './helpers/http.js';
import { type Agent, connectAgent, errorText } from './helpers/mcp-client.js';

let coordinator: TestCoordinator;
let a: Agent;
let b: Agent;
let c: Agent;
let requestId: string;
let raw: ReturnType<typeof createClient>;

beforeAll(async () => {
  coordinator = await startTestCoordinator({ C3PO_MAX_TEXT_BYTES: '1024' });
  a = await connectAgent(coordinator.url, 'agent-a');
  b = await connectAgent(coordinator.url, 'agent-b');
  c = await connectAgent(coordinator.url, 'agent-c');
  raw = createClient({ url: inject('redisUrl') });
  await raw.connect();
  ({ request_id: requestId } = await a.call<{ request_id: string }>('send_request', {
    to: 'agent-b',
    message: 'q',
  }));
});

afterAll(async () => {
  await Promise.all([a.close(), b.close(), c.close(), raw.close()]);
  await coordinator.stop();
});

async function toolError(agent: Agent, name: string, args: Record<string, unknown>) {
  const result = await agent.raw(name, args);
  expect(result.isError).toBe(true);
  return errorText(result);
}

/** The conversation keys in Redis (streams, indexes, member lists). */
async function conversationKeys() {
  const found: string[] = [];
  for await (const batch of raw.scanIterator({ MATCH: `${coordinator.prefix}:conv:*` }))
    found.push(...batch);
  return found.sort();
}

async function pendingCount() {
  return (await b.call<{ total: number }>('get_pending_requests')).total;
}

describe('tool errors say what was wrong and what to do', () => {
  it('unknown recipient: lists the known agents', async () => {
    const text = await toolError(a, 'send_request', { to: 'agent-z', message: 'hi' });
    expect(text).toMatch(/^unknown_agent: No agent named "agent-z"/);
    expect(text).toContain('agent-a');
    expect(text).toContain('agent-b');
    expect(text).toMatch(/list_agents/);
  });

  it('malformed ids and agent names: states the rule', async () => {
    expect(await toolError(b, 'respond_to_request', { request_id: 'nope', response: 'x' })).toMatch(
      /request_id.*26-character/,
    );
    expect(await toolError(a, 'get_conversation', { conversation_id: '123' })).toMatch(
      /conversation_id.*26-character/,
    );
    expect(await toolError(a, 'send_request', { to: 'bad name!', message: 'x' })).toMatch(
      /to is not a valid agent ID: an agent ID is 1-64 characters/,
    );
    expect(await toolError(a, 'send_request', { message: 'x' })).toMatch(/to is required/);
  });

  it('oversize message or response: gives the size, the limit, and how to split, and stores nothing', async () => {
    const before = await pendingCount();
    const text = await toolError(a, 'send_request', { to: 'agent-b', message: 'é'.repeat(600) });
    expect(text).toMatch(/message is 1200 bytes, over the 1024-byte/);
    expect(text).toMatch(/split it/);
    expect(
      await toolError(a, 'send_request', {
        to: 'agent-b',
        message: 'ok',
        context: 'x'.repeat(1025),
      }),
    ).toMatch(/context is 1025 bytes/);
    expect(await pendingCount()).toBe(before);
    expect(
      await toolError(b, 'respond_to_request', {
        request_id: requestId,
        response: 'y'.repeat(2000),
      }),
    ).toMatch(/response is 2000 bytes/);
    expect(await pendingCount()).toBe(before);
  });

  it('empty message: refused', async () => {
    expect(await toolError(a, 'send_request', { to: 'agent-b', message: '   ' })).toMatch(
      /message must not be empty/,
    );
  });

  it("answering someone else's request: refused without telling whether it exists", async () => {
    const text = await toolError(c, 'respond_to_request', {
      request_id: requestId,
      response: 'me!',
    });
    expect(text).toMatch(/^not_found: No request \w+ was sent to you \(agent-c\)/);
    expect(text).toMatch(/get_pending_requests/);
    expect(await pendingCount()).toBe(1);
  });

  it('waiting for, or reading, what is not yours: refused', async () => {
    expect(
      await toolError(c, 'wait_for_response', { request_id: requestId, timeout_seconds: 0 }),
    ).toMatch(/^not_found: You \(agent-c\) sent no request/);
    expect(await toolError(c, 'cancel_request', { request_id: requestId })).toMatch(
      /^not_found: You \(agent-c\) sent no request/,
    );
    const { conversation_id } = await a.call<{ conversation_id: string }>('send_request', {
      to: 'agent-b',
      message: 'private',
    });
    expect(await toolError(c, 'get_conversation', { conversation_id })).toMatch(
      /^forbidden: Only the agents that took part/,
    );
    expect(
      await toolError(c, 'send_request', { to: 'agent-b', message: 'x', conversation_id }),
    ).toMatch(/^forbidden/);
  });

  it('unknown request or conversation: not_found with a hint', async () => {
    const ghost = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
    expect(await toolError(b, 'respond_to_request', { request_id: ghost, response: 'x' })).toMatch(
      /^not_found: .*get_pending_requests/,
    );
    expect(await toolError(a, 'get_conversation', { conversation_id: ghost })).toMatch(
      /^not_found/,
    );
    expect(
      await toolError(a, 'send_request', { to: 'agent-b', message: 'x', conversation_id: ghost }),
    ).toMatch(/^not_found: .*Omit conversation_id/);
  });

  it('answering twice: refused the second time, first answer kept', async () => {
    const { request_id } = await a.call<{ request_id: string }>('send_request', {
      to: 'agent-b',
      message: 'once',
    });
    await b.call('respond_to_request', { request_id, response: 'first' });
    const text = await toolError(b, 'respond_to_request', { request_id, response: 'second' });
    expect(text).toMatch(/^conflict: .*already answered/);
    const { response } = await a.call<{ response: { response: string } }>('wait_for_response', {
      request_id,
      timeout_seconds: 0,
    });
    expect(response.response).toBe('first');
  });

  it('reusing an idempotency key for a different request: conflict', async () => {
    await a.call('send_request', { to: 'agent-b', message: 'one', idempotency_key: 'k1' });
    expect(
      await toolError(a, 'send_request', { to: 'agent-b', message: 'two', idempotency_key: 'k1' }),
    ).toMatch(/^conflict: idempotency_key "k1" was already used/);
  });

  it('a refused send that would have started a conversation leaves none behind', async () => {
    await a.call('send_request', { to: 'agent-b', message: 'one', idempotency_key: 'k2' });
    const before = await conversationKeys();
    await toolError(a, 'send_request', { to: 'agent-z', message: 'hi' });
    await toolError(a, 'send_request', { to: 'agent-b', message: 'two', idempotency_key: 'k2' });
    expect(await conversationKeys()).toEqual(before);
  });
});

describe('HTTP errors', () => {
  const mcpCall = (headers: Record<string, string>, body?: unknown) =>
    postMcp(coordinator.url, headers, body);

  it('missing identity: 400 (never 401) naming C3PO_AGENT_ID', async () => {
    const cases: Record<string, string>[] = [
      {},
      { 'X-Agent-ID': '' },
      { 'X-Agent-ID': '${C3PO_AGENT_ID:-}', 'X-Project-Dir': '${PWD}' },
    ];
    for (const headers of cases) {
      const res = await mcpCall(headers);
      expect(res.status).toBe(400);
      const body = res.json<{ error: { message: string; data: { code: string } } }>();
      expect(body.error.data.code).toBe('missing_identity');
      expect(body.error.message).toMatch(/C3PO_AGENT_ID/);
    }
    const rest = await request(`${coordinator.url}/api/pending`);
    expect(rest.status).toBe(400);
    expect(ErrorBodySchema.parse(rest.json()).error.code).toBe('missing_identity');
  });

  it('invalid agent id: 400 with the rule; a folder name is sanitised', async () => {
    const res = await mcpCall({ 'X-Agent-ID': 'has space' });
    expect(res.status).toBe(400);
    expect(res.json<{ error: { message: string } }>().error.message).toMatch(/1-64 characters/);
    const fromDir = await request(`${coordinator.url}/api/pending`, {
      headers: { 'X-Project-Dir': '/home/me/My Project (2)' },
    });
    expect(fromDir.status).toBe(200);
    const { agents } = await a.call<{ agents: { agent_id: string }[] }>('list_agents');
    expect(agents.map((x) => x.agent_id)).toContain('My-Project-2');
  });

  it('a body that is not JSON: 400, not 500', async () => {
    const res = await mcpCall({ 'X-Agent-ID': 'agent-a' }, '{nope');
    expect(res.status).toBe(400);
  });

  it('a body over the size limit: 413', async () => {
    const res = await mcpCall(
      { 'X-Agent-ID': 'agent-a' },
      JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) }),
    );
    expect(res.status).toBe(413);
    expect(res.json<{ error: { data: { code: string } } }>().error.data.code).toBe(
      'payload_too_large',
    );
  });

  it('a foreign Host header or a web-page Origin: 403', async () => {
    const host = await request(`${coordinator.url}/api/health`, {
      headers: { Host: 'evil.example.com' },
    });
    expect(host.status).toBe(403);
    expect(ErrorBodySchema.parse(host.json()).error.hint).toMatch(/C3PO_ALLOWED_HOSTS/);
    const rebound = await request(`${coordinator.url}/api/health`, {
      headers: { Host: '127.evil.example.com:8420' },
    });
    expect(rebound.status).toBe(403);
    const local = await request(`${coordinator.url}/api/health`, {
      headers: { Host: `localhost:${coordinator.port}` },
    });
    expect(local.status).toBe(200);
    const origin = await mcpCall({ 'X-Agent-ID': 'agent-a', Origin: 'https://evil.example.com' });
    expect(origin.status).toBe(403);
    const localPage = await mcpCall({ 'X-Agent-ID': 'agent-a', Origin: 'http://localhost:3000' });
    expect(localPage.status).toBe(200);
  });

  it('GET /mcp: 405; unknown route: 404 listing the routes; bad limit: 400', async () => {
    const get = await request(`${coordinator.url}/mcp`, { headers: { 'X-Agent-ID': 'agent-a' } });
    expect(get.status).toBe(405);
    const missing = await request(`${coordinator.url}/api/nope`);
    expect(missing.status).toBe(404);
    expect(ErrorBodySchema.parse(missing.json()).error.hint).toMatch(/\/api\/health/);
    const limit = await request(`${coordinator.url}/api/pending?limit=abc`, {
      headers: { 'X-Agent-ID': 'agent-b' },
    });
    expect(limit.status).toBe(400);
    expect(ErrorBodySchema.parse(limit.json()).error.message).toMatch(
      /limit must be a whole number/,
    );
  });
});
