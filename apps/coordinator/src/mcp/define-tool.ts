/**
 * @module Registers one tool on a per-request MCP server: schemas and text from @c3po/protocol,
 * the caller's identity, cancellation (client abort, disconnect, `notifications/cancelled`),
 * progress notifications, and errors as tool errors.
 */
import {
  type describeTools,
  type ToolInput,
  type ToolInputSchemas,
  type ToolName,
  type ToolOutput,
  ToolOutputSchemas,
} from '@c3po/protocol';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AnySchema } from '@modelcontextprotocol/sdk/server/zod-compat.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type {
  CallToolResult,
  ServerNotification,
  ServerRequest,
  ToolAnnotations,
} from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../logger.js';
import type { Services } from '../service/create-services.js';
import type { CancelRegistry } from './cancel-registry.js';
import { resultText } from './result-text.js';
import { toToolError } from './to-tool-error.js';

export interface ToolContext {
  agentId: string;
  services: Services;
  inputSchemas: ToolInputSchemas;
  texts: ReturnType<typeof describeTools>;
  cancels: CancelRegistry;
  progressIntervalMs: number;
  logger: Logger;
}

/** What a tool handler gets besides its arguments. */
export interface ToolCall {
  agentId: string;
  services: Services;
  /** Aborted when the client cancels the call or disconnects. */
  signal: AbortSignal;
  /** Sends progress notifications until the returned function is called (no-op without a token). */
  startProgress(label: string, totalSeconds: number): () => void;
}

export type ToolHandler<N extends ToolName> = (
  args: ToolInput<N>,
  call: ToolCall,
) => Promise<ToolOutput<N>>;

const READ_ONLY: ReadonlySet<ToolName> = new Set([
  'list_agents',
  'get_pending_requests',
  'get_conversation',
]);

function annotations(name: ToolName, title: string): ToolAnnotations {
  const readOnly = READ_ONLY.has(name);
  return {
    title,
    readOnlyHint: readOnly,
    destructiveHint: false,
    idempotentHint: readOnly,
    openWorldHint: false,
  };
}

export function defineTool<N extends ToolName>(
  server: McpServer,
  ctx: ToolContext,
  name: N,
  handler: ToolHandler<N>,
) {
  const { title, description } = ctx.texts[name];
  server.registerTool<AnySchema, AnySchema>(
    name,
    {
      title,
      description,
      inputSchema: ctx.inputSchemas[name],
      outputSchema: ToolOutputSchemas[name],
      annotations: annotations(name, title),
    },
    async (
      args: unknown,
      extra: RequestHandlerExtra<ServerRequest, ServerNotification>,
    ): Promise<CallToolResult> => {
      const controller = new AbortController();
      const abort = () => controller.abort();
      if (extra.signal.aborted) abort();
      else extra.signal.addEventListener('abort', abort, { once: true });
      const forget = ctx.cancels.add(ctx.agentId, extra.requestId, controller);
      const token = extra._meta?.progressToken;
      const call: ToolCall = {
        agentId: ctx.agentId,
        services: ctx.services,
        signal: controller.signal,
        startProgress(label, totalSeconds) {
          if (token === undefined) return () => {};
          const started = Date.now();
          let step = 0;
          const timer = setInterval(() => {
            const elapsed = Math.round((Date.now() - started) / 1000);
            step += 1;
            extra
              .sendNotification({
                method: 'notifications/progress',
                params: {
                  progressToken: token,
                  progress: step,
                  message: `${label} (${elapsed} s of ${totalSeconds} s)`,
                },
              })
              .catch(() => {});
          }, ctx.progressIntervalMs);
          return () => clearInterval(timer);
        },
      };
      try {
        // The SDK has validated `args` against this tool's input schema.
        const output = await handler(args as ToolInput<N>, call);
        return {
          content: [{ type: 'text', text: resultText(name, output) }],
          structuredContent: output,
        };
      } catch (err) {
        return toToolError(err, ctx.logger);
      } finally {
        forget();
        extra.signal.removeEventListener('abort', abort);
      }
    },
  );
}
