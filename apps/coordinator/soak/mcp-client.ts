/**
 * @module A lean MCP client: one JSON-RPC `tools/call` per POST /mcp over fetch (kept-alive
 * connections), reading the answer as JSON or as SSE `data:` lines. It costs the soak process
 * far less CPU than the SDK client, so the coordinators get the machine.
 */

/** A tool's error result (`<code>: <message>`), or `network` when no HTTP answer came. */
export class ToolCallError extends Error {
  override name = 'ToolCallError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface McpClient {
  agentId: string;
  /** Calls a tool and resolves to its structured result, with other agents' words unfenced. */
  call<T>(tool: string, args?: Record<string, unknown>, signal?: AbortSignal): Promise<T>;
}

interface RpcAnswer {
  id?: number;
  result?: {
    isError?: boolean;
    structuredContent?: unknown;
    content?: { type: string; text?: string }[];
  };
  error?: { code: number; message: string };
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

/** The answer to `id` in a JSON body or an SSE stream. */
function answerIn(text: string, contentType: string, id: number): RpcAnswer | undefined {
  if (!contentType.startsWith('text/event-stream')) return JSON.parse(text) as RpcAnswer;
  for (const line of text.split('\n')) {
    if (!line.startsWith('data: ') || line.length <= 6) continue;
    const message = JSON.parse(line.slice(6)) as RpcAnswer;
    if (message.id === id) return message;
  }
  return undefined;
}

export function createMcpClient(baseUrl: string, agentId: string): McpClient {
  const url = `${baseUrl}/mcp`;
  let nextId = 1;
  return {
    agentId,
    async call<T>(tool: string, args: Record<string, unknown> = {}, signal?: AbortSignal) {
      const id = nextId++;
      // A signal of its own per call: fetch leaves a listener on the signal it is given, and the
      // callers' signals live for the whole run.
      const call = new AbortController();
      const abort = () => call.abort();
      if (signal?.aborted) call.abort();
      signal?.addEventListener('abort', abort, { once: true });
      let res: Response;
      let text: string;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'mcp-protocol-version': '2025-11-25',
            'x-agent-id': agentId,
          },
          body: JSON.stringify({
            jsonrpc: '2.0',
            id,
            method: 'tools/call',
            params: { name: tool, arguments: args },
          }),
          signal: call.signal,
        });
        text = await res.text();
      } catch (err) {
        if (signal?.aborted) throw err;
        throw new ToolCallError('network', `${tool}: ${String(err)}`);
      } finally {
        signal?.removeEventListener('abort', abort);
      }
      const answer = res.ok ? answerIn(text, res.headers.get('content-type') ?? '', id) : undefined;
      if (!answer) throw new ToolCallError(`http_${res.status}`, `${tool}: ${text.slice(0, 300)}`);
      if (answer.error) throw new ToolCallError('rpc', `${tool}: ${answer.error.message}`);
      if (answer.result?.isError) {
        const message = (answer.result.content ?? []).map((c) => c.text ?? '').join('');
        throw new ToolCallError(/^(\w+):/.exec(message)?.[1] ?? 'tool', `${tool}: ${message}`);
      }
      return unfence(answer.result?.structuredContent) as T;
    },
  };
}
