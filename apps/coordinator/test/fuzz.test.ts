/**
 * Property-based fuzzing of every tool's arguments and every route's body, headers and query:
 * whatever a client sends, the coordinator answers below 500 (and no tool reports an unexpected
 * error), stays up, and a rejected call stores nothing.
 */
import fc from 'fast-check';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestCoordinator, type TestCoordinator } from './helpers/coordinator.js';
import { postMcp, type RawResponse, request } from './helpers/http.js';

const ADMIN = 'fuzz-admin-secret-0123456789abcdef';
let coordinator: TestCoordinator;
let token: string;
let raw: ReturnType<typeof createClient>;
/** Real ids, so that fuzzed calls also reach the paths behind "no such request/conversation". */
const real = { request: '', conversation: '', unknown: '01ARZ3NDEKTSV4RRFFQ69G5FAV' };

beforeAll(async () => {
  coordinator = await startTestCoordinator({
    C3PO_AUTH_MODE: 'token',
    C3PO_ADMIN_TOKEN: ADMIN,
    C3PO_MAX_TEXT_BYTES: '2048',
    C3PO_SEND_RATE_PER_MINUTE: '100000',
  });
  raw = createClient({ url: inject('redisUrl') });
  await raw.connect();
  const created = await request(`${coordinator.url}/api/admin/tokens`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ agents: 'fuzz-*' }),
  });
  token = created.json<{ token: string }>().token;
  // Two agents that exist and a conversation between them, so that some fuzzed calls are valid.
  for (const agent of ['fuzz-a', 'fuzz-b']) {
    await request(`${coordinator.url}/api/pending`, {
      headers: { 'X-Agent-ID': agent, Authorization: `Bearer ${token}` },
    });
  }
});

beforeAll(async () => {
  const sent = await postMcp(
    coordinator.url,
    { 'X-Agent-ID': 'fuzz-a', Authorization: `Bearer ${token}` },
    {
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'send_request', arguments: { to: 'fuzz-b', message: 'seed' } },
    },
  );
  const result = sent.json<{
    result: { structuredContent: { request_id: string; conversation_id: string } };
  }>();
  real.request = result.result.structuredContent.request_id;
  real.conversation = result.result.structuredContent.conversation_id;
});

afterAll(async () => {
  await raw.close();
  await coordinator.stop();
});

/** Keys (with stream lengths) that hold messages or records; presence, counters and hook memory excluded. */
async function storedState(): Promise<string> {
  const keys: string[] = [];
  for await (const batch of raw.scanIterator({ MATCH: `${coordinator.prefix}:*`, COUNT: 1000 }))
    keys.push(...batch);
  const relevant = keys
    .filter((k) => /:(inbox|responses|dead-letters)$|:conv:|:request:|:idem:|:tokens$/.test(k))
    .sort();
  const sizes = await Promise.all(
    relevant.map(async (k) =>
      (await raw.type(k)) === 'stream' ? raw.xLen(k) : raw.hLen(k).catch(() => 1),
    ),
  );
  return relevant.map((k, i) => `${k}=${sizes[i]}`).join('\n');
}

const rejected = (res: RawResponse) => {
  if (res.status >= 400) return true;
  const rpc = res.headers['content-type']?.toString().startsWith('text/event-stream')
    ? JSON.parse(
        res.text
          .split('\n')
          .find((l) => l.startsWith('data: '))
          ?.slice(6) ?? '{}',
      )
    : res.json<Record<string, unknown>>();
  return 'error' in rpc || (rpc.result as { isError?: boolean } | undefined)?.isError === true;
};

const printable = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 80,
});
// Weighted towards valid callers, so that most calls get past identity and token checks and
// reach the tools themselves.
const agentIds = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('fuzz-a', 'fuzz-b') },
  { weight: 1, arbitrary: fc.constantFrom('fuzz-nobody', 'other', '', ' ', '${C3PO_AGENT_ID:-}') },
  { weight: 1, arbitrary: printable },
);
const auth = fc.oneof(
  { weight: 6, arbitrary: fc.constant(() => `Bearer ${token}`) },
  fc.constantFrom(
    () => `Bearer ${ADMIN}`,
    () => 'Bearer ',
    () => 'Bearer wrong',
    () => 'Basic xyz',
    () => '',
  ),
  printable.map((s) => () => s),
);
const ulidish = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom('request', 'conversation', 'unknown' as const).map((k) => real[k]),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
);
const text = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ minLength: 2040, maxLength: 2100 }),
  fc.anything(),
);
const limit = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -5, max: 1100 }) },
  { weight: 1, arbitrary: fc.oneof(fc.double(), fc.string(), fc.anything()) },
);
const junk = fc.oneof(fc.anything(), fc.string(), fc.integer());
/**
 * Plausible arguments for each tool, each field sometimes missing or of the wrong kind. A valid
 * wait always gets timeout 0, or it would just wait.
 */
const plausible: Record<string, fc.Arbitrary<Record<string, unknown>>> = {
  list_agents: fc.record({ extra: junk }, { requiredKeys: [] }),
  send_request: fc.record(
    {
      to: fc.oneof({ weight: 4, arbitrary: agentIds }, { weight: 1, arbitrary: junk }),
      message: text,
      context: text,
      conversation_id: fc.oneof({ weight: 3, arbitrary: ulidish }, { weight: 1, arbitrary: junk }),
      idempotency_key: fc.oneof(fc.string({ maxLength: 250 }), junk),
    },
    { requiredKeys: ['to', 'message'] },
  ),
  get_pending_requests: fc.record({ limit }, { requiredKeys: [] }),
  respond_to_request: fc.record(
    {
      request_id: fc.oneof({ weight: 3, arbitrary: ulidish }, { weight: 1, arbitrary: junk }),
      response: text,
      status: fc.oneof(fc.constantFrom('success', 'error', 'declined'), junk),
    },
    { requiredKeys: ['request_id', 'response'] },
  ),
  wait_for_request: fc.record(
    { timeout_seconds: fc.constantFrom(0, -1, Number.NaN, '5', null) },
    { requiredKeys: ['timeout_seconds'] },
  ),
  wait_for_response: fc.record(
    {
      request_id: fc.oneof({ weight: 3, arbitrary: ulidish }, { weight: 1, arbitrary: junk }),
      timeout_seconds: fc.constantFrom(0, -1, Number.NaN, '5', null),
    },
    { requiredKeys: ['timeout_seconds'] },
  ),
  get_conversation: fc.record(
    {
      conversation_id: fc.oneof({ weight: 3, arbitrary: ulidish }, { weight: 1, arbitrary: junk }),
      limit,
    },
    { requiredKeys: ['conversation_id'] },
  ),
};
const toolCalls = fc.oneof(
  {
    weight: 9,
    arbitrary: fc.constantFrom(...Object.keys(plausible)).chain((name) =>
      (plausible[name] as fc.Arbitrary<Record<string, unknown>>).map((args) => ({
        name,
        args: args as unknown,
      })),
    ),
  },
  { weight: 1, arbitrary: fc.record({ name: fc.string({ maxLength: 20 }), args: fc.anything() }) },
);

describe('fuzzing', () => {
  it('tool calls: never a 5xx, never a crash, nothing stored when refused', async () => {
    await fc.assert(
      fc.asyncProperty(toolCalls, agentIds, auth, async ({ name, args }, agent, authorization) => {
        const before = await storedState();
        const res = await postMcp(
          coordinator.url,
          { 'X-Agent-ID': agent, Authorization: authorization() },
          {
            jsonrpc: '2.0',
            id: 1,
            method: 'tools/call',
            params: { name, arguments: args },
          },
        );
        expect(res.status).toBeLessThan(500);
        // A tool that failed on its input must say what was wrong, not hit an unexpected error.
        expect(res.text).not.toContain('internal: ');
        if (rejected(res)) expect(await storedState()).toBe(before);
      }),
      { numRuns: 400 },
    );
  });

  it('REST routes: any body, headers and query get an answer below 500', async () => {
    const routes = fc.constantFrom(
      ['GET', '/api/health'],
      ['GET', '/api/pending'],
      ['POST', '/api/hooks/session-start'],
      ['POST', '/api/hooks/stop'],
      ['POST', '/api/hooks/post-tool-use'],
      ['POST', '/api/hooks/session-end'],
      ['POST', '/api/admin/tokens'],
      ['GET', '/api/admin/tokens'],
      ['DELETE', '/api/admin/tokens/x'],
      ['POST', '/mcp'],
      ['GET', '/mcp'],
      ['PUT', '/api/pending'],
    );
    const query = fc.oneof(
      fc.constant(''),
      printable.map((s) => `?limit=${encodeURIComponent(s)}`),
      fc.constant('?limit=5'),
    );
    const body = fc.oneof(fc.json(), fc.string({ maxLength: 500 }), fc.constant(''));
    await fc.assert(
      fc.asyncProperty(
        routes,
        query,
        body,
        agentIds,
        auth,
        printable,
        async ([method, path], q, b, agent, authorization, projectDir) => {
          const before = await storedState();
          const res = await request(`${coordinator.url}${path}${q}`, {
            method,
            headers: {
              'Content-Type': 'application/json',
              Accept: 'application/json, text/event-stream',
              'X-Agent-ID': agent,
              'X-Project-Dir': projectDir,
              Authorization: authorization(),
            },
            ...(method === 'GET' ? {} : { body: b }),
          });
          expect(res.status, `${method} ${path}${q}`).toBeLessThan(500);
          // Only the admin may create tokens; nothing else here may store anything.
          if (res.status >= 400 || path !== '/api/admin/tokens')
            expect(await storedState()).toBe(before);
        },
      ),
      { numRuns: 250 },
    );
  });

  it('is still healthy afterwards', async () => {
    expect((await request(`${coordinator.url}/api/health`)).status).toBe(200);
  });
});
