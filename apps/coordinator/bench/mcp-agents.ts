/** Agents as Claude Code would be (the real MCP SDK client), and the round trips they make. */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { now } from './stats.js';

export interface Agent {
  id: string;
  call<T>(name: string, args?: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

export type OpenAgent = (baseUrl: string, id: string) => Agent | Promise<Agent>;

export async function connect(baseUrl: string, id: string): Promise<Agent> {
  const client = new Client({ name: `bench-${id}`, version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL('/mcp', baseUrl), {
      requestInit: { headers: { 'X-Agent-ID': id } },
    }),
  );
  return {
    id,
    async call<T>(name: string, args: Record<string, unknown> = {}) {
      const result = (await client.callTool({ name, arguments: args }, undefined, {
        timeout: 120_000,
      })) as CallToolResult;
      if (result.isError) throw new Error(JSON.stringify(result.content));
      return result.structuredContent as T;
    },
    close: () => client.close(),
  };
}

type Received = { status: string; requests?: { request_id: string }[] };

/** B answers every request it gets until stopped. */
function respondLoop(b: Agent) {
  let running = true;
  const done = (async () => {
    while (running) {
      const got = await b.call<Received>('wait_for_request', { timeout_seconds: 2 });
      await Promise.all(
        (got.requests ?? []).map((r) =>
          b.call('respond_to_request', { request_id: r.request_id, response: 'answer' }),
        ),
      );
    }
  })();
  return async () => {
    running = false;
    await done;
  };
}

/** One round trip: A send_request → B's wait returns → B answers → A's wait_for_response returns. */
async function roundTrip(a: Agent, b: Agent): Promise<number> {
  const started = now();
  const { request_id } = await a.call<{ request_id: string }>('send_request', {
    to: b.id,
    message: 'question',
  });
  const got = await a.call<{ status: string }>('wait_for_response', {
    request_id,
    timeout_seconds: 30,
  });
  if (got.status !== 'received') throw new Error(`round trip timed out: ${JSON.stringify(got)}`);
  return now() - started;
}

/** `pairs` requester/responder pairs, known to the coordinator, each responder listening. */
async function withPairs<T>(
  baseUrl: string,
  pairs: number,
  open: OpenAgent,
  work: (agents: { a: Agent; b: Agent }[]) => Promise<T>,
): Promise<T> {
  const tag = Math.random().toString(36).slice(2, 8);
  const agents = await Promise.all(
    Array.from({ length: pairs }, async (_, i) => ({
      a: await open(baseUrl, `bench-a${i}-${tag}`),
      b: await open(baseUrl, `bench-b${i}-${tag}`),
    })),
  );
  await Promise.all(agents.flatMap(({ a, b }) => [a.call('list_agents'), b.call('list_agents')]));
  const stops = agents.map(({ b }) => respondLoop(b));
  try {
    for (const { a, b } of agents) for (let i = 0; i < 10; i++) await roundTrip(a, b); // warm-up
    return await work(agents);
  } finally {
    await Promise.all(stops.map((stop) => stop()));
    await Promise.all(agents.flatMap(({ a, b }) => [a.close(), b.close()]));
  }
}

/** Called when the measured part of a run starts and when it ends (after the warm-up). */
export interface Measured {
  start(): void;
  end(): void;
}

/** Closed loop: each of `pairs` makes `each` round trips one after another, all pairs at once. */
export function closedLoop(
  baseUrl: string,
  pairs: number,
  each: number,
  open: OpenAgent = connect,
  measured?: Measured,
) {
  return withPairs(baseUrl, pairs, open, async (agents) => {
    const samples: number[] = [];
    measured?.start();
    const started = now();
    await Promise.all(
      agents.map(async ({ a, b }) => {
        for (let i = 0; i < each; i++) samples.push(await roundTrip(a, b));
      }),
    );
    const perSecond = samples.length / ((now() - started) / 1000);
    measured?.end();
    return { samples, perSecond };
  });
}

/**
 * Offered load: `pairs` pairs start `perSecond` round trips a second in all, evenly spread, for
 * `seconds`, whether or not earlier ones are done (as independent agents would).
 */
export function offeredLoad(
  baseUrl: string,
  pairs: number,
  perSecond: number,
  seconds: number,
  open: OpenAgent,
) {
  return withPairs(baseUrl, pairs, open, async (agents) => {
    const total = perSecond * seconds;
    const gapMs = 1000 / perSecond;
    const started = now();
    const samples = await Promise.all(
      Array.from({ length: total }, async (_, k) => {
        const at = started + k * gapMs;
        await new Promise((r) => setTimeout(r, Math.max(0, at - now())));
        const pair = agents[k % agents.length] as { a: Agent; b: Agent };
        return roundTrip(pair.a, pair.b);
      }),
    );
    return { samples, perSecond: samples.length / ((now() - started) / 1000) };
  });
}
