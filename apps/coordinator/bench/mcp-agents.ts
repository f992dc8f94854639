/** Agents as Claude Code would be: the real MCP SDK client over Streamable HTTP. */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { now } from './stats.js';

export interface Agent {
  id: string;
  call<T>(name: string, args?: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

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
      for (const r of got.requests ?? [])
        await b.call('respond_to_request', { request_id: r.request_id, response: 'answer' });
    }
  })();
  return async () => {
    running = false;
    await done;
  };
}

/**
 * Full round trips: A send_request → B's wait_for_request returns → B respond_to_request →
 * A's wait_for_response returns. `pairs` conversations run at once, `each` round trips each.
 */
export async function mcpRoundTrips(
  baseUrl: string,
  pairs: number,
  each: number,
  open: (baseUrl: string, id: string) => Agent | Promise<Agent> = connect,
) {
  const tag = Math.random().toString(36).slice(2, 8);
  const agents = await Promise.all(
    Array.from({ length: pairs }, async (_, i) => ({
      a: await open(baseUrl, `bench-a${i}-${tag}`),
      b: await open(baseUrl, `bench-b${i}-${tag}`),
    })),
  );
  const stops = agents.map(({ b }) => respondLoop(b));
  const trip = async (a: Agent, b: Agent) => {
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
  };
  // Both must be known before the first send; then warm up.
  await Promise.all(agents.flatMap(({ a, b }) => [a.call('list_agents'), b.call('list_agents')]));
  for (const { a, b } of agents) for (let i = 0; i < 20; i++) await trip(a, b);
  const samples: number[] = [];
  const started = now();
  await Promise.all(
    agents.map(async ({ a, b }) => {
      for (let i = 0; i < each; i++) samples.push(await trip(a, b));
    }),
  );
  const seconds = (now() - started) / 1000;
  await Promise.all(stops.map((stop) => stop()));
  await Promise.all(agents.flatMap(({ a, b }) => [a.close(), b.close()]));
  return { samples, perSecond: samples.length / seconds };
}
