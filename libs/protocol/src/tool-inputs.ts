/** @module Input schemas of the seven MCP tools, built for a given set of limits. */
import { z } from 'zod';
import { fieldError } from './field-errors.js';
import { agentIdField, ConversationIdSchema, RequestIdSchema } from './ids.js';
import {
  CONVERSATION_MAX_LIMIT,
  DEFAULT_LIMITS,
  IDEMPOTENCY_KEY_MAX_CHARS,
  type Limits,
  PENDING_MAX_LIMIT,
  REQUEST_TTL_MAX_SECONDS,
  utf8ByteLength,
} from './limits.js';
import { ResponseStatusSchema } from './messages.js';

/** A text field bounded in UTF-8 bytes, with an error that says how to fix an oversize value. */
export function boundedText(field: string, maxBytes: number, what: string) {
  const kib = Math.round(maxBytes / 1024);
  return z
    .string({ error: fieldError(field, what) })
    .superRefine((s, ctx) => {
      const bytes = utf8ByteLength(s);
      if (bytes > maxBytes) {
        ctx.addIssue({
          code: 'custom',
          message: `${field} is ${bytes} bytes, over the ${maxBytes}-byte (${kib} KiB) limit. Shorten it, or split it across several requests in the same conversation (pass conversation_id).`,
          params: { code: 'payload_too_large' },
        });
      }
    })
    .describe(`${what} (at most ${kib} KiB of UTF-8)`);
}

function nonEmpty(schema: z.ZodType<string>, field: string) {
  return schema.refine((s) => s.trim() !== '', { error: `${field} must not be empty` });
}

const timeoutSeconds = z
  .number({ error: 'timeout_seconds must be a number of seconds, e.g. 30' })
  .min(0, { error: 'timeout_seconds must be 0 or more (0 checks without waiting)' })
  .optional()
  .describe(
    'how long to wait, in seconds: default 50, at most 90 (larger values are capped); 0 checks without waiting',
  );

/** Builds the input schemas of every tool; `limits` sets the size limits the schemas enforce. */
export function createToolInputSchemas(limits: Limits = DEFAULT_LIMITS) {
  const max = limits.maxTextBytes;
  return {
    list_agents: z.object({}),
    send_request: z.object({
      to: agentIdField('to').describe('the exact agent ID to send to (see list_agents)'),
      message: nonEmpty(boundedText('message', max, 'the request, self-contained'), 'message'),
      context: boundedText(
        'context',
        max,
        'optional background: files, errors, what you tried',
      ).optional(),
      conversation_id: ConversationIdSchema.optional().describe(
        'continue this conversation (multi-turn); omit to start a new one',
      ),
      idempotency_key: z
        .string()
        .regex(/^[A-Za-z0-9._:-]+$/, {
          error: `idempotency_key must be 1-${IDEMPOTENCY_KEY_MAX_CHARS} letters, digits, ".", "_", ":" or "-"`,
        })
        .max(IDEMPOTENCY_KEY_MAX_CHARS, {
          error: `idempotency_key must be at most ${IDEMPOTENCY_KEY_MAX_CHARS} characters`,
        })
        .optional()
        .describe('retrying with the same key returns the first request instead of sending again'),
      expires_in_seconds: z
        .number({ error: 'expires_in_seconds must be a number of seconds, e.g. 600' })
        .int({ error: 'expires_in_seconds must be a whole number of seconds' })
        .min(1, { error: 'expires_in_seconds must be at least 1' })
        .max(REQUEST_TTL_MAX_SECONDS, {
          error: `expires_in_seconds must be at most ${REQUEST_TTL_MAX_SECONDS} (7 days)`,
        })
        .optional()
        .describe(
          "give up on the answer after this many seconds (default: the coordinator's, usually a day; at most 7 days)",
        ),
    }),
    get_pending_requests: z.object({
      limit: z
        .number()
        .int({ error: 'limit must be a whole number' })
        .min(1)
        .max(PENDING_MAX_LIMIT, { error: `limit must be at most ${PENDING_MAX_LIMIT}` })
        .optional()
        .describe(`how many to return, oldest first: default 20, at most ${PENDING_MAX_LIMIT}`),
    }),
    respond_to_request: z.object({
      request_id: RequestIdSchema.describe('the request_id of the request you answer'),
      response: nonEmpty(boundedText('response', max, 'your full answer'), 'response'),
      status: ResponseStatusSchema.optional().describe(
        'success (default), error (you tried and failed), or declined (you will not do it; say why)',
      ),
    }),
    wait_for_request: z.object({ timeout_seconds: timeoutSeconds }),
    wait_for_response: z.object({
      request_id: RequestIdSchema.optional().describe(
        'the request to wait for; omit to get the oldest response you have not received yet',
      ),
      timeout_seconds: timeoutSeconds,
    }),
    cancel_request: z.object({
      request_id: RequestIdSchema.describe('the request_id of a request you sent'),
    }),
    get_conversation: z.object({
      conversation_id: ConversationIdSchema.describe('the conversation to replay'),
      limit: z
        .number()
        .int({ error: 'limit must be a whole number' })
        .min(1)
        .max(CONVERSATION_MAX_LIMIT, { error: `limit must be at most ${CONVERSATION_MAX_LIMIT}` })
        .optional()
        .describe(`the most recent N messages: default 100, at most ${CONVERSATION_MAX_LIMIT}`),
    }),
  };
}

export type ToolInputSchemas = ReturnType<typeof createToolInputSchemas>;
export type ToolName = keyof ToolInputSchemas;
export type ToolInput<N extends ToolName> = z.output<ToolInputSchemas[N]>;
