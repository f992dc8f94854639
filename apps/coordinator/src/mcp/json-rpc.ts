/**
 * @module JSON-RPC 2.0 messages as the MCP endpoint receives and sends them: a structural check
 * (cheaper than a schema per message, and as strict about what the endpoint relies on) and the
 * error shapes.
 * @see https://www.jsonrpc.org/specification
 */

export type JsonRpcId = string | number;

export interface JsonRpcRequest {
  jsonrpc: '2.0';
  id: JsonRpcId;
  method: string;
  params?: Record<string, unknown>;
}

export interface JsonRpcNotification {
  jsonrpc: '2.0';
  method: string;
  params?: Record<string, unknown>;
}

export interface JsonRpcResponse {
  jsonrpc: '2.0';
  id: JsonRpcId | null;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

/** JSON-RPC and MCP error codes used here. */
export const RPC = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  /** MCP transports use it for HTTP-level refusals. */
  transport: -32000,
} as const;

const isId = (v: unknown): v is JsonRpcId =>
  typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The message if it is a well-formed JSON-RPC 2.0 message, else undefined. */
export function asMessage(v: unknown): JsonRpcMessage | undefined {
  if (!isObject(v) || v.jsonrpc !== '2.0') return undefined;
  if ('params' in v && v.params !== undefined && !isObject(v.params)) return undefined;
  if (typeof v.method === 'string') {
    if ('id' in v) return isId(v.id) ? (v as unknown as JsonRpcRequest) : undefined;
    return v as unknown as JsonRpcNotification;
  }
  if ('id' in v && (isId(v.id) || v.id === null) && ('result' in v || isObject(v.error)))
    return v as unknown as JsonRpcResponse;
  return undefined;
}

export const isRequest = (m: JsonRpcMessage): m is JsonRpcRequest => 'method' in m && 'id' in m;
export const isNotification = (m: JsonRpcMessage): m is JsonRpcNotification =>
  'method' in m && !('id' in m);

/** An HTTP answer carrying a JSON-RPC error that belongs to no request (`id: null`). */
export function rpcErrorResponse(status: number, code: number, message: string, data?: unknown) {
  return new Response(
    JSON.stringify({
      jsonrpc: '2.0',
      error: { code, message, ...(data === undefined ? {} : { data }) },
      id: null,
    }),
    { status, headers: { 'Content-Type': 'application/json' } },
  );
}
