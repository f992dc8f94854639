/** @module A fresh MCP server for one HTTP request (stateless mode), with the seven tools. */
import { SERVER_INSTRUCTIONS } from '@c3po/protocol';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { defineTool, type ToolContext } from './define-tool.js';
import { getConversation } from './tools/get-conversation.js';
import { getPendingRequests } from './tools/get-pending-requests.js';
import { listAgents } from './tools/list-agents.js';
import { respondToRequest } from './tools/respond-to-request.js';
import { sendRequest } from './tools/send-request.js';
import { waitForRequest } from './tools/wait-for-request.js';
import { waitForResponse } from './tools/wait-for-response.js';

/** Shared: the SDK would otherwise build a JSON Schema compiler for every request. */
const jsonSchemaValidator = new AjvJsonSchemaValidator();

export function createMcpServer(ctx: ToolContext, version: string): McpServer {
  const server = new McpServer(
    { name: 'c3po', title: 'C3PO coordinator', version },
    { instructions: SERVER_INSTRUCTIONS, jsonSchemaValidator },
  );
  defineTool(server, ctx, 'list_agents', listAgents);
  defineTool(server, ctx, 'send_request', sendRequest);
  defineTool(server, ctx, 'get_pending_requests', getPendingRequests);
  defineTool(server, ctx, 'respond_to_request', respondToRequest);
  defineTool(server, ctx, 'wait_for_request', waitForRequest);
  defineTool(server, ctx, 'wait_for_response', waitForResponse);
  defineTool(server, ctx, 'get_conversation', getConversation);
  return server;
}
