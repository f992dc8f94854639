/** The real MCP SDK client, speaking Streamable HTTP to a test coordinator as one agent. */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

export interface Agent {
  id: string;
  client: Client;
  /**
   * Calls a tool; resolves to its structured result with other agents' words unfenced (tests of
   * the fences use `raw`), rejects with the error text when isError.
   */
  call<T = Record<string, unknown>>(
    name: string,
    args?: Record<string, unknown>,
    options?: RequestOptions,
  ): Promise<T>;
  /** Calls a tool and returns the raw result (for error cases). */
  raw(
    name: string,
    args?: Record<string, unknown>,
    options?: RequestOptions,
  ): Promise<CallToolResult>;
  close(): Promise<void>;
}

export class ToolError extends Error {
  override name = 'ToolError';
}

export async function connectAgent(
  baseUrl: string,
  id: string,
  headers: Record<string, string> = {},
): Promise<Agent> {
  const client = new Client({ name: `test-${id}`, version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', baseUrl), {
    requestInit: { headers: { 'X-Agent-ID': id, ...headers } },
  });
  await client.connect(transport);
  const raw = async (name: string, args: Record<string, unknown> = {}, options?: RequestOptions) =>
    (await client.callTool({ name, arguments: args }, undefined, options)) as CallToolResult;
  return {
    id,
    client,
    raw,
    async call<T>(name: string, args: Record<string, unknown> = {}, options?: RequestOptions) {
      const result = await raw(name, args, options);
      if (result.isError) {
        const text = result.content.map((c) => (c.type === 'text' ? c.text : '')).join('');
        throw new ToolError(text);
      }
      return unfence(result.structuredContent) as T;
    },
    close: () => client.close(),
  };
}

/** The text of an error result. */
export function errorText(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('');
}

const FENCED = /^\[C3PO \w+ from [^\]\n]* #([a-z0-9]+)\]\n([\s\S]*)\n\[end #\1\]$/;

/** Every fenced string in a result, back to the words inside the fence. */
export function unfence(value: unknown): unknown {
  if (typeof value === 'string') return FENCED.exec(value)?.[2] ?? value;
  if (Array.isArray(value)) return value.map(unfence);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unfence(v)]));
  return value;
}
