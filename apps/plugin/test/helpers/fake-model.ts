/**
 * A scripted fake of the Anthropic Messages API on 127.0.0.1, for driving the real Claude Code CLI
 * offline (ANTHROPIC_BASE_URL). A script, a function of the request, decides each turn: which tools
 * exist, which tool results came back, what hooks added to the conversation. Every request is kept,
 * so tests assert on what the model was shown. Answers stream as SSE, as Claude Code asks for.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Block {
  type: string;
  id?: string;
  name?: string;
  input?: unknown;
  text?: string;
  tool_use_id?: string;
  content?: unknown;
  is_error?: boolean;
}

interface Message {
  role: string;
  content: string | Block[];
}

/** A tool call of the model and the result Claude Code sent back for it. */
export interface ToolResult {
  name: string;
  input: Record<string, unknown>;
  text: string;
  isError: boolean;
}

/** One POST /v1/messages as the script sees it. */
export interface ModelRequest {
  body: { messages?: Message[]; tools?: { name: string }[]; stream?: boolean };
  /** Names in `tools[]`: the tools the model may call now. */
  tools: string[];
  /** Every tool result in the conversation so far, oldest first. */
  results: ToolResult[];
  /** The whole conversation as JSON text, for "was X shown to the model" checks. */
  text: string;
  /** Every text block and string message, unescaped, oldest first. */
  texts: string[];
}

export type Reply =
  | { text: string }
  | { toolUse: { name: string; input: Record<string, unknown> }; text?: string };

export type Script = (request: ModelRequest) => Reply | Promise<Reply>;

export interface LoggedRequest extends ModelRequest {
  method: string;
  path: string;
  at: number;
  reply?: Reply;
}

export interface FakeModel {
  url: string;
  /** Every request, in arrival order (model turns and anything else Claude Code asked for). */
  log: LoggedRequest[];
  /** Model turns only. */
  turns(): LoggedRequest[];
  close(): Promise<void>;
}

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return (content as Block[])
    .map((b) =>
      b.type === 'text' ? (b.text ?? '') : b.type === 'tool_result' ? textOf(b.content) : '',
    )
    .join('\n');
}

function analyse(body: ModelRequest['body']): ModelRequest {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const blocks = messages.flatMap((m) => (Array.isArray(m.content) ? m.content : []));
  const calls = new Map(blocks.filter((b) => b.type === 'tool_use').map((b) => [b.id, b]));
  const results = blocks
    .filter((b) => b.type === 'tool_result')
    .map((b) => {
      const call = calls.get(b.tool_use_id);
      return {
        name: call?.name ?? '?',
        input: (call?.input ?? {}) as Record<string, unknown>,
        text: textOf(b.content),
        isError: b.is_error === true,
      };
    });
  return {
    body,
    tools: (body.tools ?? []).map((t) => t.name),
    results,
    text: JSON.stringify(messages),
    texts: messages.flatMap((m) =>
      typeof m.content === 'string'
        ? [m.content]
        : m.content.filter((b) => b.type === 'text').map((b) => b.text ?? ''),
    ),
  };
}

function content(reply: Reply): Block[] {
  const blocks: Block[] = [];
  if (reply.text) blocks.push({ type: 'text', text: reply.text });
  if ('toolUse' in reply) blocks.push({ type: 'tool_use', id: id('toolu'), ...reply.toolUse });
  return blocks;
}

/** The SSE event sequence of the Messages API: message_start, blocks, message_delta, stop. */
function stream(res: ServerResponse, model: string, reply: Reply) {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'request-id': id('req'),
  });
  const send = (event: string, data: object) =>
    res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
  const usage = { input_tokens: 100, output_tokens: 20 };
  send('message_start', {
    message: {
      id: id('msg'),
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...usage, output_tokens: 1 },
    },
  });
  content(reply).forEach((block, index) => {
    if (block.type === 'text') {
      send('content_block_start', { index, content_block: { type: 'text', text: '' } });
      send('content_block_delta', { index, delta: { type: 'text_delta', text: block.text } });
    } else {
      send('content_block_start', { index, content_block: { ...block, input: {} } });
      send('content_block_delta', {
        index,
        delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) },
      });
    }
    send('content_block_stop', { index });
  });
  const stop = 'toolUse' in reply ? 'tool_use' : 'end_turn';
  send('message_delta', { delta: { stop_reason: stop, stop_sequence: null }, usage });
  send('message_stop', {});
  res.end();
}

function json(res: ServerResponse, status: number, body: object) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakeModel(script: Script): Promise<FakeModel> {
  const log: LoggedRequest[] = [];
  const server = createServer(async (req, res) => {
    const raw = await readBody(req);
    let body: ModelRequest['body'] = {};
    try {
      body = raw ? JSON.parse(raw) : {};
    } catch {}
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const entry: LoggedRequest = {
      method: req.method ?? '',
      path,
      at: Date.now(),
      ...analyse(body),
    };
    log.push(entry);
    if (req.method === 'POST' && path === '/v1/messages') {
      try {
        entry.reply = await script(entry);
      } catch (error) {
        // The script's own failure reaches the test through the logged reply and the model's text.
        entry.reply = { text: `FAKE MODEL SCRIPT ERROR: ${(error as Error).message}` };
      }
      const model = (body as { model?: string }).model ?? 'claude-fake';
      if (body.stream) return stream(res, model, entry.reply);
      return json(res, 200, {
        id: id('msg'),
        type: 'message',
        role: 'assistant',
        model,
        content: content(entry.reply),
        stop_reason: 'toolUse' in entry.reply ? 'tool_use' : 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: 100, output_tokens: 20 },
      });
    }
    if (req.method === 'POST' && path === '/v1/messages/count_tokens') {
      return json(res, 200, { input_tokens: Math.ceil(raw.length / 4) });
    }
    // Anything else is logged and refused, so that a new kind of call shows up in the log.
    json(res, 404, { type: 'error', error: { type: 'not_found_error', message: `no ${path}` } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    turns: () => log.filter((r) => r.method === 'POST' && r.path === '/v1/messages'),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
