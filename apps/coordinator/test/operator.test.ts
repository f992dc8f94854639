/**
 * The operator view over real HTTP against a real coordinator: the read-only routes show what
 * agents did over MCP, the live feed streams their events, the status page is served under a
 * strict CSP, and in token mode only the admin and viewer tokens may read any of it. Also the
 * REST request routes a human in the loop uses (`c3po send`, `inbox`, `answer`).
 */
import {
  CreatedTokenSchema,
  ErrorBodySchema,
  OperatorAgentsSchema,
  OperatorConversationsSchema,
  OperatorRequestsSchema,
  OperatorStatusSchema,
  OperatorThreadSchema,
  ROUTES,
  ToolOutputSchemas,
} from '@c3po/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../src/http/routes/status-page.js';
import { startTestCoordinator, type TestCoordinator } from './helpers/coordinator.js';
import { type Agent, connectAgent } from './helpers/mcp-client.js';
import { openSse } from './helpers/sse.js';

type Sent = { request_id: string; conversation_id: string };

let open: TestCoordinator;
let dana: Agent;
let api: Agent;
let ci: Agent;
let answered: Sent;
let followUp: Sent;
let expired: Sent;
let cancelled: Sent;
let fromCi: Sent;

async function get(base: string, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, { headers });
  return { status: res.status, headers: res.headers, json: (await res.json()) as unknown };
}

/** The coordinator connects to Redis in the background: wait until it answers. */
async function connected(c: TestCoordinator) {
  for (let i = 0; i < 100 && !(await c.services.health()).ok; i++)
    await new Promise((resolve) => setTimeout(resolve, 50));
}

beforeAll(async () => {
  open = await startTestCoordinator({ C3PO_EXPIRY_SWEEP_MS: '100' });
  await connected(open);
  dana = await connectAgent(open.url, 'laptop-dana', {
    'X-Agent-Description': "Dana's laptop: the web app",
  });
  api = await connectAgent(open.url, 'server-api', { 'X-Agent-Description': 'the API repo' });
  ci = await connectAgent(open.url, 'ci-runner');
  await api.call('list_agents');
  answered = await dana.call<Sent>('send_request', {
    to: 'server-api',
    message: 'Which endpoint lists invoices?',
  });
  await api.call('wait_for_request', { timeout_seconds: 5 });
  await api.call('respond_to_request', {
    request_id: answered.request_id,
    response: 'GET /v2/invoices',
  });
  followUp = await dana.call<Sent>('send_request', {
    to: 'server-api',
    message: 'Is it paginated?',
    conversation_id: answered.conversation_id,
  });
  expired = await api.call<Sent>('send_request', {
    to: 'laptop-dana',
    message: 'Are you there?',
    expires_in_seconds: 1,
  });
  cancelled = await dana.call<Sent>('send_request', { to: 'server-api', message: 'never mind' });
  await dana.call('cancel_request', { request_id: cancelled.request_id });
  fromCi = await ci.call<Sent>('send_request', { to: 'server-api', message: 'The build is red' });
  // The expiry sweep ends the 1 s request by itself.
  for (let i = 0; i < 100; i++) {
    const r = OperatorRequestsSchema.parse((await get(open.url, ROUTES.operator.requests)).json);
    if (r.dead_letters.length > 0) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});

afterAll(async () => {
  await Promise.all([dana, api, ci].map((a) => a?.close()));
  await open?.stop();
});

describe('operator routes', () => {
  it('status: version, Redis, and the counts', async () => {
    await expect
      .poll(async () => {
        const s = OperatorStatusSchema.parse((await get(open.url, ROUTES.operator.status)).json);
        return s.conversations;
      })
      .toBe(4);
    const s = OperatorStatusSchema.parse((await get(open.url, ROUTES.operator.status)).json);
    expect(s).toMatchObject({
      version: 'test',
      auth_mode: 'open',
      redis: { ok: true, mode: 'single' },
      agents: { known: 3, online: 3, waiting: 0 },
      requests: { in_flight: 2, dead_lettered: 1 },
    });
    expect(s.redis.nodes[0]?.ok).toBe(true);
  });

  it('agents: status, description, last seen and unanswered requests in their inbox', async () => {
    const { agents, total } = OperatorAgentsSchema.parse(
      (await get(open.url, ROUTES.operator.agents)).json,
    );
    expect(total).toBe(3);
    const byId = Object.fromEntries(agents.map((a) => [a.agent_id, a]));
    expect(byId['server-api']).toMatchObject({
      status: 'online',
      waiting: false,
      inbox: 2,
      description: 'the API repo',
    });
    expect(byId['laptop-dana']).toMatchObject({
      inbox: 0,
      description: "Dana's laptop: the web app",
    });
    expect(Date.parse(byId['ci-runner']?.last_seen ?? '')).toBeGreaterThan(Date.now() - 60_000);
  });

  it('conversations: participants, last message and age, most recent first, filtered by agent', async () => {
    const { conversations } = OperatorConversationsSchema.parse(
      (await get(open.url, ROUTES.operator.conversations)).json,
    );
    expect(conversations).toHaveLength(4);
    const times = conversations.map((c) => c.last_activity_at);
    expect(times).toEqual([...times].sort().reverse());
    const thread = conversations.find((c) => c.conversation_id === answered.conversation_id);
    expect(thread).toMatchObject({
      participants: ['laptop-dana', 'server-api'],
      messages: 3,
      last_message: { type: 'request', from: 'laptop-dana', preview: 'Is it paginated?' },
    });

    const mine = OperatorConversationsSchema.parse(
      (await get(open.url, `${ROUTES.operator.conversations}?agent=ci-runner`)).json,
    );
    expect(mine.conversations.map((c) => c.conversation_id)).toEqual([fromCi.conversation_id]);
    const bad = await get(open.url, `${ROUTES.operator.conversations}?agent=no/such`);
    expect(bad.status).toBe(400);
  });

  it('one conversation: its thread oldest first, each request with its state and timings', async () => {
    const thread = OperatorThreadSchema.parse(
      (await get(open.url, `${ROUTES.operator.conversations}/${answered.conversation_id}`)).json,
    );
    expect(thread.participants).toEqual(['laptop-dana', 'server-api']);
    expect(thread.total).toBe(3);
    const [ask, answer, again] = thread.messages;
    expect(ask).toMatchObject({
      type: 'request',
      state: 'answered',
      message: 'Which endpoint lists invoices?',
    });
    expect(answer).toMatchObject({
      type: 'response',
      response: 'GET /v2/invoices',
      status: 'success',
    });
    expect(again).toMatchObject({
      type: 'request',
      state: 'queued',
      request_id: followUp.request_id,
    });
    if (ask?.type !== 'request' || again?.type !== 'request') throw new Error('not requests');
    const created = Date.parse(ask.created_at);
    expect(Date.parse(ask.delivered_at ?? '')).toBeGreaterThanOrEqual(created);
    expect(Date.parse(ask.ended_at ?? '')).toBeGreaterThanOrEqual(
      Date.parse(ask.delivered_at ?? ''),
    );
    expect(again.delivered_at).toBeUndefined();
    expect(again.ended_at).toBeUndefined();
    expect(Date.parse(again.expires_at ?? '')).toBeGreaterThan(Date.now());

    const gone = OperatorThreadSchema.parse(
      (await get(open.url, `${ROUTES.operator.conversations}/${cancelled.conversation_id}`)).json,
    );
    expect(gone.messages.map((m) => (m.type === 'request' ? m.state : m.type))).toEqual([
      'cancelled',
      'cancellation',
    ]);
    const late = OperatorThreadSchema.parse(
      (await get(open.url, `${ROUTES.operator.conversations}/${expired.conversation_id}`)).json,
    );
    expect(late.messages.map((m) => (m.type === 'request' ? m.state : m.type))).toEqual([
      'expired',
      'response',
    ]);

    const missing = await get(
      open.url,
      `${ROUTES.operator.conversations}/01ARZ3NDEKTSV4RRFFQ69G5FAV`,
    );
    expect(missing.status).toBe(404);
    expect((await get(open.url, `${ROUTES.operator.conversations}/nope`)).status).toBe(400);
  });

  it('requests: in flight with state and age, and the expired ones', async () => {
    const r = OperatorRequestsSchema.parse((await get(open.url, ROUTES.operator.requests)).json);
    expect(r.in_flight_total).toBe(2);
    expect(r.in_flight.map((q) => q.request_id).sort()).toEqual(
      [followUp.request_id, fromCi.request_id].sort(),
    );
    expect(r.in_flight[0]).toMatchObject({ state: 'queued', to: 'server-api' });
    expect(r.in_flight[0]?.age_seconds).toBeGreaterThanOrEqual(0);
    expect(r.dead_letters).toEqual([
      expect.objectContaining({
        request_id: expired.request_id,
        from: 'server-api',
        to: 'laptop-dana',
        reason: 'expired',
        preview: 'Are you there?',
      }),
    ]);
  });

  it('events: the latest ones first, then each new one as it happens, resumable', async () => {
    const feed = await openSse(`${open.url}${ROUTES.operator.events}?backlog=200`);
    expect(feed.status).toBe(200);
    const seen: { id: string; type: string; request_id: string }[] = [];
    for (;;) {
      const event = await feed.next<(typeof seen)[number]>(1_000).catch(() => undefined);
      if (!event) break;
      seen.push(event);
    }
    const typesOf = (id: string) => seen.filter((e) => e.request_id === id).map((e) => e.type);
    expect(typesOf(answered.request_id)).toEqual(['sent', 'delivered', 'answered']);
    expect(typesOf(cancelled.request_id)).toEqual(['sent', 'cancelled']);
    expect(typesOf(expired.request_id)).toEqual(['sent', 'expired']);

    const news = await ci.call<Sent>('send_request', { to: 'laptop-dana', message: 'news' });
    const event = await feed.next<{ type: string; request_id: string; from: string }>();
    expect(event).toMatchObject({ type: 'sent', request_id: news.request_id, from: 'ci-runner' });
    feed.close();

    const resumed = await openSse(`${open.url}${ROUTES.operator.events}`, {
      'Last-Event-ID': seen.at(-1)?.id ?? '',
    });
    expect(await resumed.next()).toMatchObject({ request_id: news.request_id });
    resumed.close();
    await dana.call('cancel_request', { request_id: news.request_id }).catch(() => {});
    await ci.call('cancel_request', { request_id: news.request_id });
  });
});

describe('operator feed on shutdown', () => {
  it('ends when the coordinator stops, without holding the stop up for the grace period', async () => {
    const c = await startTestCoordinator({ C3PO_SHUTDOWN_GRACE_MS: '20000' });
    await connected(c);
    const feed = await openSse(`${c.url}${ROUTES.operator.events}`);
    expect(feed.status).toBe(200);
    const started = Date.now();
    await c.stop();
    expect(Date.now() - started).toBeLessThan(10_000);
    feed.close();
  });
});

describe('status page', () => {
  it('is served with a strict Content-Security-Policy, and so are its script and style sheet', async () => {
    for (const [path, type] of [
      ['/', 'text/html'],
      ['/ui/app.js', 'text/javascript'],
      ['/ui/style.css', 'text/css'],
    ] as const) {
      const res = await fetch(`${open.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toContain(type);
      expect(res.headers.get('content-security-policy'), path).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
    }
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    );
    const page = await (await fetch(open.url)).text();
    // Nothing from elsewhere: every script and style sheet is the coordinator's own.
    expect(page).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect((await fetch(`${open.url}/ui/nope.js`)).status).toBe(404);
  });
});

describe('operator access in token mode', () => {
  const ADMIN = 'operator-admin-secret-0123456789';
  let locked: TestCoordinator;
  let viewer: string;
  let agentToken: string;

  beforeAll(async () => {
    locked = await startTestCoordinator({ C3PO_AUTH_MODE: 'token', C3PO_ADMIN_TOKEN: ADMIN });
    await connected(locked);
    const create = async (body: unknown) => {
      const res = await fetch(`${locked.url}${ROUTES.adminTokens}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(201);
      return CreatedTokenSchema.parse(await res.json()).token;
    };
    viewer = await create({ role: 'viewer', name: 'wall screen' });
    agentToken = await create({ agents: 'laptop-*' });
  });
  afterAll(() => locked?.stop());

  const routes = [
    ROUTES.operator.status,
    ROUTES.operator.agents,
    ROUTES.operator.conversations,
    `${ROUTES.operator.conversations}/01ARZ3NDEKTSV4RRFFQ69G5FAV`,
    ROUTES.operator.requests,
    ROUTES.operator.events,
  ];

  it('refuses without a token, with a wrong one and with an agent token: 403 and how to get one', async () => {
    const refused: Record<string, string>[] = [
      {},
      { Authorization: 'Bearer not-a-token' },
      { Authorization: `Bearer ${agentToken}` },
    ];
    for (const headers of refused) {
      for (const route of routes) {
        const res = await get(locked.url, route, headers);
        expect(res.status, route).toBe(403);
        const { error } = ErrorBodySchema.parse(res.json);
        expect(error.hint, route).toMatch(/c3po token create --viewer/);
      }
    }
  });

  it('answers the admin token and a viewer token', async () => {
    for (const token of [ADMIN, viewer]) {
      const headers = { Authorization: `Bearer ${token}` };
      const status = await get(locked.url, ROUTES.operator.status, headers);
      expect(status.status).toBe(200);
      expect(OperatorStatusSchema.parse(status.json).auth_mode).toBe('token');
      for (const route of routes.filter((r) => r !== ROUTES.operator.events)) {
        const res = await get(locked.url, route, headers);
        expect(res.status, route).toBe(route.endsWith('FAV') ? 404 : 200);
      }
      const feed = await openSse(`${locked.url}${ROUTES.operator.events}`, headers);
      expect(feed.status).toBe(200);
      feed.close();
    }
  });

  it('serves the page itself to anyone (it holds no data), and a viewer token cannot act as an agent', async () => {
    expect((await fetch(locked.url)).status).toBe(200);
    const send = await fetch(`${locked.url}${ROUTES.requests}`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${viewer}`,
        'X-Agent-ID': 'laptop-x',
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ to: 'laptop-y', message: 'hi' }),
    });
    expect(send.status).toBe(403);
  });
});

describe('REST request routes (a human in the loop)', () => {
  const as = (agent: string, extra: Record<string, string> = {}) => ({
    'X-Agent-ID': agent,
    'Content-Type': 'application/json',
    ...extra,
  });

  it('sends, lists in full, answers and waits for the answer, as the MCP tools do', async () => {
    const sent = await fetch(`${open.url}${ROUTES.requests}`, {
      method: 'POST',
      headers: as('human-lead'),
      body: JSON.stringify({ to: 'ci-runner', message: 'Rerun the build, please.' }),
    });
    expect(sent.status).toBe(201);
    const { request_id, state } = ToolOutputSchemas.send_request.parse(await sent.json());
    expect(state).toBe('queued');

    const inbox = await fetch(`${open.url}${ROUTES.requests}`, { headers: as('ci-runner') });
    const { requests } = ToolOutputSchemas.get_pending_requests.parse(await inbox.json());
    expect(requests.find((r) => r.request_id === request_id)).toMatchObject({
      from: 'human-lead',
      message: 'Rerun the build, please.',
      delivery_count: 1,
    });

    const wrong = await fetch(`${open.url}${ROUTES.requests}/${request_id}/response`, {
      method: 'POST',
      headers: as('laptop-dana'),
      body: JSON.stringify({ response: 'not mine' }),
    });
    expect(wrong.status).toBe(404);
    const answer = await fetch(`${open.url}${ROUTES.requests}/${request_id}/response`, {
      method: 'POST',
      headers: as('ci-runner'),
      body: JSON.stringify({ response: 'Rerun started.', status: 'success' }),
    });
    expect(answer.status).toBe(200);
    expect(ToolOutputSchemas.respond_to_request.parse(await answer.json()).to).toBe('human-lead');

    const waited = await fetch(
      `${open.url}${ROUTES.requests}/${request_id}/response?timeout_seconds=5`,
      { headers: as('human-lead') },
    );
    expect(ToolOutputSchemas.wait_for_response.parse(await waited.json())).toMatchObject({
      status: 'received',
      response: { response: 'Rerun started.', from: 'ci-runner' },
    });
  });

  it('refuses what the tools refuse: no identity, an empty message, an unknown recipient', async () => {
    const post = (headers: Record<string, string>, body: unknown) =>
      fetch(`${open.url}${ROUTES.requests}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
      });
    expect(
      (await post({ 'Content-Type': 'application/json' }, { to: 'ci-runner', message: 'x' }))
        .status,
    ).toBe(400);
    expect((await post(as('human-lead'), { to: 'ci-runner', message: '  ' })).status).toBe(400);
    const unknown = await post(as('human-lead'), { to: 'nobody-here', message: 'hi' });
    expect(unknown.status).toBe(404);
    expect(ErrorBodySchema.parse(await unknown.json()).error.code).toBe('unknown_agent');
  });
});
