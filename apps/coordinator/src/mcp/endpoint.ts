/**
 * @module POST /mcp: stateless Streamable HTTP. The headers and the token are checked before the
 * body is read; then each message goes where it belongs: tools/call to the tool dispatcher,
 * everything else to the one SDK server of the process. A client that disconnects aborts its
 * running tools; a `notifications/cancelled` in a later POST aborts the call it names. What a tool
 * handed out for an answer that never reached the connection is given back.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import { Hono } from 'hono';
import { AppError } from '../errors.js';
import { authenticate } from '../http/agent-auth.js';
import type { AppEnv } from '../http/app-env.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Services } from '../service/create-services.js';
import { Exchange } from './exchange.js';
import {
  asMessage,
  isNotification,
  isRequest,
  type JsonRpcMessage,
  RPC,
  rpcErrorResponse,
} from './json-rpc.js';
import { createLifecycleServer } from './lifecycle-server.js';
import { decodeResumeToken } from './resume-token.js';
import { createToolDispatcher } from './tool-dispatcher.js';

export interface McpEndpointOptions {
  services: Services;
  logger: Logger;
  version: string;
  maxTextBytes: number;
  progressIntervalMs: number;
  /** Answers taking longer than this go out as an SSE stream. @default 1000 */
  sseAfterMs?: number;
  metrics?: Metrics;
}

const MAX_BATCH = 100;
/** A refused caller's body is read only this far, to tell a discovery probe (never refused) apart. */
const PROBE_MAX_BYTES = 4096;
const KEEP_ALIVE_MS = 15_000;
/** A reset this soon after an answer was written means the client never read it. */
const RESET_GRACE_MS = 1_000;

const isJson = (contentType: string | undefined) =>
  (contentType ?? '').split(';')[0]?.trim().toLowerCase() === 'application/json';

/** Whether the body is the `server/discover` probe of newer clients. */
const isDiscoveryProbe = (body: unknown) =>
  typeof body === 'object' &&
  body !== null &&
  'method' in body &&
  body.method === 'server/discover';

/** Per socket, the answers written lately and what to do once it is known whether they arrived. */
const recent = new WeakMap<Socket, Set<(delivered: boolean) => void>>();

/**
 * Calls `settle(false)` if the connection is reset within RESET_GRACE_MS, else `settle(true)`.
 * One close listener per socket, however many answers a kept-alive connection carries.
 */
function watchForReset(socket: Socket, settle: (delivered: boolean) => void) {
  let waiting = recent.get(socket);
  if (!waiting) {
    const set = new Set<(delivered: boolean) => void>();
    waiting = set;
    recent.set(socket, set);
    socket.once('close', (hadError: boolean) => {
      for (const fn of set) fn(!hadError);
      set.clear();
    });
  }
  const entry = (delivered: boolean) => {
    clearTimeout(timer);
    waiting?.delete(entry);
    settle(delivered);
  };
  const timer = setTimeout(() => entry(true), RESET_GRACE_MS);
  timer.unref();
  waiting.add(entry);
}

export function mcpRoutes(opts: McpEndpointOptions) {
  const tools = createToolDispatcher(opts);
  const lifecycle = createLifecycleServer({ version: opts.version, tools: tools.list });

  /**
   * Gives back what an answer handed out unless it reached the client: the answer was written in
   * full, and the connection was not reset right after (a client that closes without reading what
   * it was sent resets it).
   */
  const watchDelivery = (exchange: Exchange, outgoing: ServerResponse | undefined) => {
    // The socket is detached from the response once it is written; keep hold of it.
    const socket = outgoing?.socket;
    if (!outgoing || !socket) return;
    const giveBack = (delivered: boolean) => {
      for (const settle of exchange.settled()) {
        settle(delivered).catch((err: unknown) =>
          opts.logger.warn({ err: String(err), delivered }, 'settling a handed-out result failed'),
        );
      }
    };
    outgoing.once('close', () => {
      if (!outgoing.writableFinished || !exchange.handedOut() || socket.destroyed) {
        giveBack(outgoing.writableFinished && !socket.errored);
        return;
      }
      watchForReset(socket, giveBack);
    });
  };

  return (
    new Hono<AppEnv>()
      .post('/', async (c) => {
        const accept = c.req.header('accept') ?? '';
        if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
          return rpcErrorResponse(
            406,
            RPC.transport,
            'Not Acceptable: Client must accept both application/json and text/event-stream',
          );
        }
        if (!isJson(c.req.header('content-type'))) {
          return rpcErrorResponse(
            415,
            RPC.transport,
            'Unsupported Media Type: Content-Type must be application/json',
          );
        }
        const version = c.req.header('mcp-protocol-version');
        if (version !== undefined && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
          return rpcErrorResponse(
            400,
            RPC.transport,
            `Bad Request: Unsupported protocol version: ${version} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`,
          );
        }
        // The token before the body: a refused caller's body is never parsed (but a small one
        // may be the discovery probe of newer clients, which must not get a 403).
        let caller: Awaited<ReturnType<typeof authenticate>>;
        try {
          caller = await authenticate(c, opts.services);
        } catch (err) {
          const length = Number(c.req.header('content-length') ?? Number.POSITIVE_INFINITY);
          if (err instanceof AppError && err.code === 'forbidden' && length <= PROBE_MAX_BYTES) {
            const probe: unknown = await c.req.json().catch(() => undefined);
            if (isDiscoveryProbe(probe))
              return rpcErrorResponse(400, RPC.methodNotFound, 'Method not found');
          }
          throw err;
        }

        let body: unknown;
        try {
          body = await c.req.json();
        } catch {
          return rpcErrorResponse(400, RPC.parseError, 'Parse error: Invalid JSON');
        }
        const raw = Array.isArray(body) ? body : [body];
        if (raw.length === 0 || raw.length > MAX_BATCH) {
          return rpcErrorResponse(
            400,
            RPC.invalidRequest,
            `Invalid Request: a batch holds 1 to ${MAX_BATCH} messages`,
          );
        }
        const messages = raw.map(asMessage);
        if (messages.some((m) => m === undefined)) {
          return rpcErrorResponse(400, RPC.parseError, 'Parse error: Invalid JSON-RPC message');
        }
        const valid = messages as JsonRpcMessage[];

        const exchange = new Exchange({
          sseAfterMs: opts.sseAfterMs ?? 1_000,
          keepAliveMs: KEEP_ALIVE_MS,
          batch: Array.isArray(body),
          confirmsDelivery: c.env?.outgoing !== undefined,
        });
        const disconnected = c.req.raw.signal;
        disconnected.addEventListener(
          'abort',
          () => {
            exchange.close();
            lifecycle.forget(exchange);
          },
          { once: true },
        );
        // Clients before 2025-11-25 cannot take the empty event that makes a stream resumable.
        const resumable = (version ?? '') >= '2025-11-25';
        const requests = valid.filter(isRequest);
        for (const r of requests) exchange.expect(r.id);
        for (const m of valid) {
          if (isRequest(m)) {
            if (m.method === 'tools/call')
              void tools.call(exchange, m, caller, disconnected, resumable ? {} : undefined);
            else void lifecycle.request(exchange, m);
          } else if (isNotification(m)) {
            const id = m.params?.requestId;
            const ours =
              m.method === 'notifications/cancelled' &&
              (typeof id === 'string' || typeof id === 'number') &&
              tools.cancel(caller.agentId, id);
            if (!ours) void lifecycle.notify(m);
          }
        }
        if (requests.length === 0) return c.body(null, 202);
        watchDelivery(exchange, c.env?.outgoing);
        return exchange.response;
      })
      // A client whose wait's stream broke resumes it here (see resume-token.ts).
      .get('/', async (c, next) => {
        const wait = decodeResumeToken(c.req.header('last-event-id'));
        if (!wait) return next();
        const caller = await authenticate(c, opts.services);
        const exchange = new Exchange({
          sseAfterMs: 0,
          keepAliveMs: KEEP_ALIVE_MS,
          batch: false,
          stream: true,
          confirmsDelivery: c.env?.outgoing !== undefined,
        });
        const disconnected = c.req.raw.signal;
        disconnected.addEventListener('abort', () => exchange.close(), { once: true });
        exchange.expect(wait.id);
        const remaining = Math.max(0, Math.ceil((wait.until - Date.now()) / 1000));
        void tools.call(
          exchange,
          {
            jsonrpc: '2.0',
            id: wait.id,
            method: 'tools/call',
            params: {
              name: wait.tool,
              arguments: {
                timeout_seconds: remaining,
                ...(wait.request_id ? { request_id: wait.request_id } : {}),
              },
            },
          },
          caller,
          disconnected,
          { untilMs: wait.until },
        );
        watchDelivery(exchange, c.env?.outgoing);
        return exchange.response;
      })
      // Stateless: there is no other server-to-client stream to GET and no session to DELETE.
      .on(['GET', 'DELETE'], '/', (c) =>
        c.json(
          {
            jsonrpc: '2.0',
            error: {
              code: RPC.transport,
              message: 'Method not allowed: this MCP endpoint is stateless and takes POST only.',
            },
            id: null,
          },
          405,
          { Allow: 'POST' },
        ),
      )
  );
}
