/**
 * An HTTP server on 127.0.0.1 that records every request it gets (method, URL, headers, body).
 * Alone it answers with `answer`; with an upstream it passes each request on and streams the
 * answer back, so that it can sit between Claude Code and a real coordinator and show what the
 * plugin sent.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Recorder {
  url: string;
  /** Every request so far, in arrival order. */
  seen: Recorded[];
  /** What it answers when it has no upstream (default: 204, no body). */
  answer: { status: number; body: string };
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startRecorder(upstream?: string): Promise<Recorder> {
  const recorder: Omit<Recorder, 'url' | 'close'> = {
    seen: [],
    answer: { status: 204, body: '' },
  };
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    recorder.seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body,
    });
    if (!upstream) {
      res.writeHead(recorder.answer.status, { 'content-type': 'application/json' });
      res.end(recorder.answer.body);
      return;
    }
    const out = request(
      new URL(req.url ?? '/', upstream),
      { method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    // A client that goes away (an MCP stream closed) closes the upstream request too.
    res.on('close', () => out.destroy());
    out.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(recorder, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
