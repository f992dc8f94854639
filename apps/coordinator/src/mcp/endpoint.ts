/**
 * @module POST /mcp: stateless Streamable HTTP. Each POST gets its own server and transport, so a
 * coordinator restart is invisible to clients. A client that disconnects closes the transport,
 * which aborts its running tool; a `notifications/cancelled` is routed through the cancel registry.
 */
import { createToolInputSchemas, describeTools } from '@c3po/protocol';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { Hono } from 'hono';
import { AppError } from '../errors.js';
import type { AppEnv } from '../http/app-env.js';
import { bearerToken } from '../http/bearer.js';
import type { Logger } from '../logger.js';
import type { Services } from '../service/create-services.js';
import type { CancelRegistry } from './cancel-registry.js';
import { createMcpServer } from './server.js';

export interface McpEndpointOptions {
  services: Services;
  cancels: CancelRegistry;
  logger: Logger;
  version: string;
  maxTextBytes: number;
  progressIntervalMs: number;
}

/** The tools that may wait, and so answer over a stream with progress and keep-alives. */
const WAIT_TOOLS = new Set(['wait_for_request', 'wait_for_response']);

/**
 * Whether the body calls a tool that may wait. Everything else is answered as plain JSON, which
 * costs less than a stream on both ends.
 */
function mayWait(body: unknown): boolean {
  const messages = Array.isArray(body) ? body : [body];
  return messages.some((m) => {
    if (typeof m !== 'object' || m === null || !('method' in m) || m.method !== 'tools/call')
      return false;
    const params =
      'params' in m && typeof m.params === 'object' && m.params !== null ? m.params : {};
    const name = 'name' in params ? params.name : undefined;
    const args =
      'arguments' in params && typeof params.arguments === 'object' && params.arguments !== null
        ? params.arguments
        : {};
    const timeout = 'timeout_seconds' in args ? args.timeout_seconds : undefined;
    return typeof name === 'string' && WAIT_TOOLS.has(name) && timeout !== 0;
  });
}

/** The `server/discover` probe of newer clients, answered (400: unknown method) without a token check. */
function isDiscoveryProbe(body: unknown): boolean {
  return (
    typeof body === 'object' &&
    body !== null &&
    'method' in body &&
    body.method === 'server/discover'
  );
}

/** Requests ids named by `notifications/cancelled` messages in a JSON-RPC body (single or batch). */
function cancelledIds(body: unknown): (string | number)[] {
  const messages = Array.isArray(body) ? body : [body];
  const ids: (string | number)[] = [];
  for (const m of messages) {
    if (
      typeof m !== 'object' ||
      m === null ||
      !('method' in m) ||
      m.method !== 'notifications/cancelled'
    )
      continue;
    const id =
      'params' in m && typeof m.params === 'object' && m.params !== null && 'requestId' in m.params
        ? m.params.requestId
        : undefined;
    if (typeof id === 'string' || typeof id === 'number') ids.push(id);
  }
  return ids;
}

export function mcpRoutes(opts: McpEndpointOptions) {
  const inputSchemas = createToolInputSchemas({ maxTextBytes: opts.maxTextBytes });
  const texts = describeTools({ maxTextBytes: opts.maxTextBytes });
  return (
    new Hono<AppEnv>()
      .post('/', async (c) => {
        const agentId = c.get('agentId');
        let body: unknown;
        try {
          body = await c.req.json();
        } catch {
          throw new AppError(
            'invalid_request',
            'The body of a POST to /mcp must be a JSON-RPC message.',
            {
              hint: 'Point an MCP client (Streamable HTTP transport) at this URL.',
            },
          );
        }
        // Claude Code's first POST probes for a newer protocol; a 403 there would be fatal to it.
        if (!isDiscoveryProbe(body))
          await opts.services.auth.authorizeAgent(bearerToken(c), agentId);
        for (const id of cancelledIds(body)) opts.cancels.cancel(agentId, id);
        const server = createMcpServer(
          {
            agentId,
            services: opts.services,
            inputSchemas,
            texts,
            cancels: opts.cancels,
            progressIntervalMs: opts.progressIntervalMs,
            logger: opts.logger,
          },
          opts.version,
        );
        const transport = new WebStandardStreamableHTTPServerTransport({
          sessionIdGenerator: undefined,
          enableJsonResponse: !mayWait(body),
        });
        await server.connect(transport);
        c.req.raw.signal.addEventListener('abort', () => void transport.close(), { once: true });
        return transport.handleRequest(c.req.raw, { parsedBody: body });
      })
      // Stateless: there is no server-to-client stream to GET and no session to DELETE.
      .on(['GET', 'DELETE'], '/', (c) =>
        c.json(
          {
            jsonrpc: '2.0',
            error: {
              code: -32000,
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
