/** What the tests ask the coordinator directly, as an agent: MCP tool calls and REST reads. */

/**
 * Calls one MCP tool over the stateless endpoint (one JSON-RPC POST) and returns its result;
 * `headers` adds to the request's (e.g. X-Agent-Description).
 */
export async function callTool<T>(
  baseUrl: string,
  agent: string,
  name: string,
  args: Record<string, unknown> = {},
  token?: string,
  headers: Record<string, string> = {},
): Promise<T> {
  const res = await fetch(`${baseUrl}/mcp`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      'X-Agent-ID': agent,
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name, arguments: args },
    }),
  });
  const body = (await res.json()) as {
    result?: { structuredContent?: T; isError?: boolean; content?: { text: string }[] };
    error?: unknown;
  };
  if (!body.result || body.result.isError) {
    throw new Error(`${name} failed: ${JSON.stringify(body.result?.content ?? body.error)}`);
  }
  return body.result.structuredContent as T;
}

export interface Pending {
  count: number;
  requests: { request_id: string; from: string; conversation_id: string; preview: string }[];
}

/** GET /api/pending as `agent` (this also counts as the agent being seen). */
export async function pending(baseUrl: string, agent: string): Promise<Pending> {
  const res = await fetch(`${baseUrl}/api/pending`, { headers: { 'X-Agent-ID': agent } });
  return (await res.json()) as Pending;
}

export interface Agent {
  agent_id: string;
  status: 'online' | 'idle' | 'offline';
  waiting: boolean;
}

export async function agents(baseUrl: string, asAgent: string): Promise<Agent[]> {
  return (await callTool<{ agents: Agent[] }>(baseUrl, asAgent, 'list_agents')).agents;
}
