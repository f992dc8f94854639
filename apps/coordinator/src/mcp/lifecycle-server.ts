/**
 * @module One MCP SDK `Server` for the whole process, for everything but tool calls: initialize
 * (version negotiation, capabilities, instructions), ping, tools/list (built once) and the errors
 * for unknown methods. The SDK allows one transport per server, so every POST reaches it through
 * one multiplexing transport that gives each request a process-unique id (so two clients' equal
 * JSON-RPC ids never meet) and routes the answer back to its POST.
 */
import { SERVER_INSTRUCTIONS } from '@c3po/protocol';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  type JSONRPCMessage,
  ListToolsRequestSchema,
  type ListToolsResult,
} from '@modelcontextprotocol/sdk/types.js';
import type { Exchange } from './exchange.js';
import type { JsonRpcId, JsonRpcNotification, JsonRpcRequest } from './json-rpc.js';

export type LifecycleServer = ReturnType<typeof createLifecycleServer>;

export function createLifecycleServer(opts: { version: string; tools: ListToolsResult }) {
  const routes = new Map<number, { exchange: Exchange; id: JsonRpcId }>();
  let nextId = 1;

  const transport: Transport = {
    async start() {},
    async close() {},
    async send(message) {
      if (!('id' in message) || typeof message.id !== 'number') return;
      const route = routes.get(message.id);
      if (!route) return;
      routes.delete(message.id);
      route.exchange.answer({ ...message, id: route.id } as never);
    },
  };

  const server = new Server(
    { name: 'c3po', title: 'C3PO coordinator', version: opts.version },
    { capabilities: { tools: {} }, instructions: SERVER_INSTRUCTIONS },
  );
  server.setRequestHandler(ListToolsRequestSchema, () => opts.tools);
  const connected = server.connect(transport);

  return {
    /** Hands a request of `exchange` to the SDK server; its answer goes back to that exchange. */
    async request(exchange: Exchange, request: JsonRpcRequest): Promise<void> {
      await connected;
      const id = nextId++;
      routes.set(id, { exchange, id: request.id });
      transport.onmessage?.({ ...request, id } as JSONRPCMessage);
    },

    /** Hands a notification (e.g. notifications/initialized) to the SDK server. */
    async notify(notification: JsonRpcNotification): Promise<void> {
      await connected;
      transport.onmessage?.(notification as JSONRPCMessage);
    },

    /** Forgets the requests of an exchange whose client went away. */
    forget(exchange: Exchange): void {
      for (const [id, route] of routes) if (route.exchange === exchange) routes.delete(id);
    },
  };
}
