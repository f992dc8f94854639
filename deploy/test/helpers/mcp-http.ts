/**
 * MCP over plain HTTP, as a client sends it through a proxy: node:http rather than fetch, so that
 * the test chooses the Host header and reads a server-sent event stream as its bytes arrive.
 */
import { type IncomingHttpHeaders, request } from 'node:http';

/** A request in flight: what has arrived so far, and its end. */
export interface Exchange {
  status: Promise<number>;
  headers: Promise<IncomingHttpHeaders>;
  /** The body as received so far. */
  text(): string;
  /** The JSON-RPC messages of the body so far (SSE `data:` lines, or the whole JSON body). */
  messages(): JsonRpc[];
  /** SSE event ids seen so far. */
  eventIds(): string[];
  /** Resolves when the body is complete (or the connection broke). */
  ended: Promise<void>;
  abort(): void;
}

export interface JsonRpc {
  id?: number | string;
  method?: string;
  result?: { structuredContent?: Record<string, unknown>; isError?: boolean };
  params?: Record<string, unknown>;
}

export interface Target {
  port: number;
  /** The Host header the client sends. */
  host: string;
  /** Where to connect. @default 127.0.0.1 */
  address?: string;
}

/** Sends one HTTP request and follows its answer. */
export function send(
  target: Target,
  method: 'GET' | 'POST',
  path: string,
  headers: Record<string, string>,
  body?: string,
): Exchange {
  let text = '';
  let setStatus: (code: number) => void = () => {};
  let setHeaders: (h: IncomingHttpHeaders) => void = () => {};
  let end: () => void = () => {};
  const status = new Promise<number>((resolve) => {
    setStatus = resolve;
  });
  const head = new Promise<IncomingHttpHeaders>((resolve) => {
    setHeaders = resolve;
  });
  const ended = new Promise<void>((resolve) => {
    end = resolve;
  });
  const req = request(
    {
      host: target.address ?? '127.0.0.1',
      port: target.port,
      method,
      path,
      headers: { Host: target.host, ...headers },
    },
    (res) => {
      setStatus(res.statusCode ?? 0);
      setHeaders(res.headers);
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', end);
      res.on('error', end);
      res.on('close', end);
    },
  );
  req.on('error', () => {
    setStatus(0);
    end();
  });
  req.end(body);
  const sseData = () =>
    text
      .split('\n')
      .filter((line) => line.startsWith('data: ') && line.length > 6)
      .map((line) => JSON.parse(line.slice(6)) as JsonRpc);
  return {
    status,
    headers: head,
    text: () => text,
    messages() {
      if (text.startsWith('{') || text.startsWith('[')) {
        try {
          const parsed = JSON.parse(text) as JsonRpc | JsonRpc[];
          return Array.isArray(parsed) ? parsed : [parsed];
        } catch {
          return [];
        }
      }
      return sseData();
    },
    eventIds: () =>
      text
        .split('\n')
        .filter((line) => line.startsWith('id: '))
        .map((line) => line.slice(4)),
    ended,
    abort: () => req.destroy(),
  };
}

const PROTOCOL_VERSION = '2025-11-25';

/** The headers of an MCP call by `agent`. */
export const mcpHeaders = (agent: string): Record<string, string> => ({
  Accept: 'application/json, text/event-stream',
  'Content-Type': 'application/json',
  'MCP-Protocol-Version': PROTOCOL_VERSION,
  'X-Agent-ID': agent,
});

let nextId = 1;

/** POST /mcp tools/call `tool` as `agent`; `progress` asks for progress notifications. */
export function callTool(
  target: Target,
  agent: string,
  tool: string,
  args: Record<string, unknown> = {},
  opts: { progress?: boolean } = {},
): Exchange {
  const id = nextId++;
  return send(
    target,
    'POST',
    '/mcp',
    mcpHeaders(agent),
    JSON.stringify({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: {
        name: tool,
        arguments: args,
        ...(opts.progress ? { _meta: { progressToken: `p-${id}` } } : {}),
      },
    }),
  );
}

/** The tool result of a finished call (its structuredContent), or throws with what came. */
export async function toolResult(exchange: Exchange): Promise<Record<string, unknown>> {
  await exchange.ended;
  const result = exchange.messages().find((m) => m.result !== undefined)?.result;
  if (!result || result.isError || !result.structuredContent) {
    throw new Error(`no tool result (HTTP ${await exchange.status}): ${exchange.text()}`);
  }
  return result.structuredContent;
}
