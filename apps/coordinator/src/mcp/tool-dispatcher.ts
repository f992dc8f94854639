/**
 * @module tools/call, the hot path of the endpoint: the tools, their definitions for tools/list
 * (JSON Schemas built once at start), input validation (once, with the protocol's zod schemas),
 * cancellation (client abort, disconnect, `notifications/cancelled` in a later POST), progress, and
 * every failure as a tool error the model can act on.
 */
import {
  createToolInputSchemas,
  describeTools,
  TOOL_NAMES,
  type ToolName,
  ToolOutputSchemas,
  WAIT_DEFAULT_SECONDS,
  WAIT_MAX_SECONDS,
} from '@c3po/protocol';
import type { CallToolResult, ListToolsResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Caller } from '../service/caller.js';
import type { Services } from '../service/create-services.js';
import type { Exchange } from './exchange.js';
import { fenceOutput } from './fenced-result.js';
import type { JsonRpcRequest } from './json-rpc.js';
import { encodeResumeToken } from './resume-token.js';
import { toToolError } from './to-tool-error.js';
import type { ToolCall, ToolHandler } from './tool-call.js';
import { cancelRequest } from './tools/cancel-request.js';
import { getConversation } from './tools/get-conversation.js';
import { getPendingRequests } from './tools/get-pending-requests.js';
import { listAgents } from './tools/list-agents.js';
import { respondToRequest } from './tools/respond-to-request.js';
import { sendRequest } from './tools/send-request.js';
import { waitForRequest } from './tools/wait-for-request.js';
import { waitForResponse } from './tools/wait-for-response.js';

const HANDLERS: { [N in ToolName]: ToolHandler<N> } = {
  list_agents: listAgents,
  send_request: sendRequest,
  get_pending_requests: getPendingRequests,
  respond_to_request: respondToRequest,
  wait_for_request: waitForRequest,
  wait_for_response: waitForResponse,
  cancel_request: cancelRequest,
  get_conversation: getConversation,
};

const READ_ONLY: ReadonlySet<ToolName> = new Set(['list_agents', 'get_conversation']);

/**
 * A JSON Schema without `$schema`, and without descriptions unless `describe`: the model reads
 * the input schemas (with their descriptions) but never the output schemas, which clients use
 * only to check results; docs/api.md documents every output field.
 */
function compact(schema: unknown, describe: boolean): unknown {
  if (Array.isArray(schema)) return schema.map((s) => compact(s, describe));
  if (!schema || typeof schema !== 'object') return schema;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([k]) => k !== '$schema' && (describe || k !== 'description'))
      .map(([k, v]) => {
        if (k === 'enum' || k === 'required' || k === 'const') return [k, v];
        // Property names are not keywords: keep them all, compact their schemas.
        if (k === 'properties' && v && typeof v === 'object')
          return [
            k,
            Object.fromEntries(Object.entries(v).map(([p, ps]) => [p, compact(ps, describe)])),
          ];
        return [k, compact(v, describe)];
      }),
  );
}

export interface DispatcherOptions {
  services: Services;
  logger: Logger;
  maxTextBytes: number;
  progressIntervalMs: number;
  metrics?: Pick<Metrics, 'toolCall'>;
}

export type ToolDispatcher = ReturnType<typeof createToolDispatcher>;

export function createToolDispatcher(opts: DispatcherOptions) {
  const inputs = createToolInputSchemas({ maxTextBytes: opts.maxTextBytes });
  const texts = describeTools({ maxTextBytes: opts.maxTextBytes });
  const list: ListToolsResult = {
    tools: TOOL_NAMES.map((name) => ({
      name,
      title: texts[name].title,
      description: texts[name].description,
      inputSchema: compact(
        z.toJSONSchema(inputs[name], { target: 'draft-7', io: 'input' }),
        true,
      ) as never,
      outputSchema: compact(
        z.toJSONSchema(ToolOutputSchemas[name], { target: 'draft-7', io: 'output' }),
        false,
      ) as never,
      annotations: {
        title: texts[name].title,
        readOnlyHint: READ_ONLY.has(name),
        destructiveHint: false,
        idempotentHint: READ_ONLY.has(name) || name === 'cancel_request',
        openWorldHint: false,
      },
    })),
  };
  /** Running calls by `<agent>|<JSON-RPC id>`, for `notifications/cancelled` in another POST. */
  const running = new Map<string, AbortController>();
  const key = (agent: string, id: string | number) => `${agent}|${typeof id}:${id}`;

  const isTool = (name: unknown): name is ToolName =>
    typeof name === 'string' && Object.hasOwn(HANDLERS, name);

  /**
   * Runs one tools/call and answers it into `exchange`. With `resume`, a wait is named for
   * resuming until `resume.untilMs` (the original deadline, when it is a resumed one).
   */
  async function call(
    exchange: Exchange,
    request: JsonRpcRequest,
    caller: Caller,
    disconnected: AbortSignal,
    resume?: { untilMs?: number },
  ): Promise<void> {
    const params = request.params ?? {};
    const name = params.name;
    const started = performance.now();
    /** Answers the call, and counts it by its outcome: ok, or the error code. */
    const answer = (result: CallToolResult, outcome = 'ok') => {
      const tool = isTool(name) ? name : 'unknown';
      opts.metrics?.toolCall(tool, outcome, (performance.now() - started) / 1000);
      exchange.answer({ jsonrpc: '2.0', id: request.id, result });
    };
    const fail = (err: unknown) => {
      const { result, code } = toToolError(err, opts.logger);
      answer(result, code);
    };
    if (!isTool(name)) {
      fail(
        new AppError('invalid_request', `There is no tool named ${JSON.stringify(name)}.`, {
          hint: `The tools are: ${TOOL_NAMES.join(', ')}.`,
        }),
      );
      return;
    }
    const parsed = inputs[name].safeParse(params.arguments ?? {});
    if (!parsed.success) {
      fail(parsed.error);
      return;
    }
    if (resume && (name === 'wait_for_request' || name === 'wait_for_response')) {
      const args = parsed.data as { timeout_seconds?: number; request_id?: string };
      const seconds = Math.min(args.timeout_seconds ?? WAIT_DEFAULT_SECONDS, WAIT_MAX_SECONDS);
      exchange.resumable(
        encodeResumeToken({
          id: request.id,
          tool: name,
          ...(args.request_id ? { request_id: args.request_id } : {}),
          until: resume.untilMs ?? Date.now() + seconds * 1000,
        }),
      );
    }
    const controller = new AbortController();
    const abort = () => controller.abort();
    if (disconnected.aborted) abort();
    else disconnected.addEventListener('abort', abort, { once: true });
    const k = key(caller.agentId, request.id);
    running.set(k, controller);
    const meta = params._meta as { progressToken?: string | number } | undefined;
    const token = meta?.progressToken;
    const toolCall: ToolCall = {
      caller,
      services: opts.services,
      signal: controller.signal,
      startProgress(label, totalSeconds) {
        if (token === undefined) return () => {};
        const started = Date.now();
        let step = 0;
        const timer = setInterval(() => {
          step += 1;
          const elapsed = Math.round((Date.now() - started) / 1000);
          exchange.notify({
            jsonrpc: '2.0',
            method: 'notifications/progress',
            params: {
              progressToken: token,
              progress: step,
              message: `${label} (${elapsed} s of ${totalSeconds} s)`,
            },
          });
        }, opts.progressIntervalMs);
        return () => clearInterval(timer);
      },
      onSettled: (settle) => exchange.onSettled(settle),
    };
    try {
      const output = await (HANDLERS[name] as ToolHandler<typeof name>)(
        parsed.data as never,
        toolCall,
      );
      if (controller.signal.aborted && !disconnected.aborted) {
        exchange.drop(request.id); // cancelled by the client: no answer is sent
        return;
      }
      const structured = fenceOutput(name, output);
      answer({
        content: [{ type: 'text', text: JSON.stringify(structured) }],
        structuredContent: structured,
      });
    } catch (err) {
      fail(err);
    } finally {
      if (running.get(k) === controller) running.delete(k);
      disconnected.removeEventListener('abort', abort);
    }
  }

  return {
    list,
    call,
    /** Aborts `agent`'s running call with that JSON-RPC id; returns whether there was one. */
    cancel(agent: string, id: string | number): boolean {
      const controller = running.get(key(agent, id));
      controller?.abort();
      return controller !== undefined;
    },
    /** Calls running on this process. */
    get running() {
      return running.size;
    },
  };
}
