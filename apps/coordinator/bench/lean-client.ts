/**
 * A minimal MCP client: one JSON-RPC POST per tool call over a keep-alive connection, reading a
 * JSON or SSE answer. It shows the coordinator's own share of a round trip, without the SDK
 * client's cost (which Claude Code replaces with its own).
 */
import { Agent as HttpAgent, request } from 'node:http';
import type { Agent } from './mcp-agents.js';

const keepAlive = new HttpAgent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

export function leanAgent(baseUrl: string, id: string): Agent {
  let nextId = 1;
  const url = `${baseUrl}/mcp`;
  const post = <T>(name: string, args: Record<string, unknown>, retried: boolean): Promise<T> => {
    const rpcId = nextId++;
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: rpcId,
      method: 'tools/call',
      params: { name, arguments: args },
    });
    return new Promise<T>((resolve, reject) => {
      const req = request(
        url,
        {
          agent: keepAlive,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'mcp-protocol-version': '2025-11-25',
            'x-agent-id': id,
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            const json = res.headers['content-type']?.startsWith('text/event-stream')
              ? text
                  .split('\n')
                  .filter((line) => line.startsWith('data: ') && line.length > 6)
                  .map((line) => JSON.parse(line.slice(6)))
                  .find((m: { id?: number }) => m.id === rpcId)
              : JSON.parse(text);
            if (json?.result?.isError || !json?.result) reject(new Error(text.slice(0, 500)));
            else resolve(json.result.structuredContent as T);
          });
        },
      );
      req.on('error', (err) => {
        // A kept-alive socket the server closed just as this call reused it: send again once.
        if (req.reusedSocket && !retried) post<T>(name, args, true).then(resolve, reject);
        else reject(err);
      });
      req.end(body);
    });
  };
  return { id, call: (name, args = {}) => post(name, args, false), close: async () => {} };
}
