/**
 * A minimal MCP client: one JSON-RPC POST per tool call over kept-alive connections, reading a
 * JSON or SSE answer. It shows the coordinator's own share of a round trip, without the SDK
 * client's cost (which Claude Code replaces with its own). It speaks HTTP/1.1 on raw sockets,
 * because the load generator shares the machine's cores with the coordinator and Redis: Node's
 * HTTP client cost about 0.15 ms of CPU per call, which the coordinator then did not get.
 */
import { connect, type Socket } from 'node:net';
import type { Agent } from './mcp-agents.js';

type Waiter = { resolve(body: { type: string; text: string }): void; reject(err: Error): void };

/** One kept-alive connection, answering one request at a time. */
class Connection {
  readonly socket: Socket;
  private buffer: Buffer = Buffer.alloc(0);
  private waiter: Waiter | undefined;
  closed = false;

  constructor(host: string, port: number) {
    this.socket = connect({ host, port, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
      this.parse();
    });
    const fail = (err: Error) => {
      this.closed = true;
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter?.reject(err);
    };
    this.socket.on('error', fail);
    this.socket.on('close', () => fail(new Error('the connection closed before its answer')));
  }

  send(head: string, body: string): Promise<{ type: string; text: string }> {
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.socket.write(head + body);
    });
  }

  /** Takes one complete response off the buffer, if there is one (Content-Length or chunked). */
  private parse() {
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0 || !this.waiter) return;
    const head = this.buffer.toString('latin1', 0, end);
    const type = /\r\ncontent-type: *([^\r]*)/i.exec(head)?.[1] ?? '';
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    let at = end + 4;
    let text: string;
    if (length) {
      const stop = at + Number(length[1]);
      if (this.buffer.length < stop) return;
      text = this.buffer.toString('utf8', at, stop);
      at = stop;
    } else {
      const parts: Buffer[] = [];
      for (;;) {
        const line = this.buffer.indexOf('\r\n', at);
        if (line < 0) return;
        const size = Number.parseInt(this.buffer.toString('latin1', at, line), 16);
        if (this.buffer.length < line + 2 + size + 2) return;
        if (size === 0) {
          at = line + 4;
          break;
        }
        parts.push(this.buffer.subarray(line + 2, line + 2 + size));
        at = line + 2 + size + 2;
      }
      text = Buffer.concat(parts).toString('utf8');
    }
    this.buffer = this.buffer.subarray(at);
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter.resolve({ type, text });
  }
}

export function leanAgent(baseUrl: string, id: string): Agent {
  const url = new URL('/mcp', baseUrl);
  const idle: Connection[] = [];
  const head = (length: number) =>
    `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nMcp-Protocol-Version: 2025-11-25\r\nX-Agent-ID: ${id}\r\nContent-Length: ${length}\r\n\r\n`;
  let nextId = 1;

  const post = async <T>(name: string, args: Record<string, unknown>): Promise<T> => {
    const rpcId = nextId++;
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: rpcId,
      method: 'tools/call',
      params: { name, arguments: args },
    });
    let conn = idle.pop();
    while (conn?.closed) conn = idle.pop();
    const reused = conn !== undefined;
    if (conn) conn.socket.ref();
    else conn = new Connection(url.hostname, Number(url.port));
    let answer: { type: string; text: string };
    try {
      answer = await conn.send(head(Buffer.byteLength(body)), body);
    } catch (err) {
      // A kept-alive connection the server closed just as this call reused it: send again once.
      if (reused) return post<T>(name, args);
      throw err;
    }
    if (!conn.closed) {
      // Idle, it does not keep the process alive; the server closes it after its keep-alive time.
      conn.socket.unref();
      idle.push(conn);
    }
    const json = answer.type.startsWith('text/event-stream')
      ? answer.text
          .split('\n')
          .filter((line) => line.startsWith('data: ') && line.length > 6)
          .map((line) => JSON.parse(line.slice(6)))
          .find((m: { id?: number }) => m.id === rpcId)
      : JSON.parse(answer.text);
    if (json?.result?.isError || !json?.result) throw new Error(answer.text.slice(0, 500));
    return json.result.structuredContent as T;
  };

  return {
    id,
    call: (name, args = {}) => post(name, args),
    close: async () => {
      for (const conn of idle.splice(0)) conn.socket.end();
    },
  };
}
