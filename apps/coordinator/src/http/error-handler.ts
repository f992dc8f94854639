/** @module Maps errors to HTTP answers: one status table, one body shape, no 500 for client mistakes. */
import type { ErrorBody, ErrorCode } from '@c3po/protocol';
import type { Context, ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ZodError, z } from 'zod';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';

export const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  invalid_request: 400,
  missing_identity: 400,
  invalid_agent_id: 400,
  // 403, never 401: a 401 makes Claude Code start an OAuth flow.
  forbidden: 403,
  unknown_agent: 404,
  not_found: 404,
  conflict: 409,
  // Gone: the request ended before this call (expired or withdrawn by its sender).
  expired: 410,
  cancelled: 410,
  payload_too_large: 413,
  rate_limited: 429,
  inbox_full: 429,
  internal: 500,
  unavailable: 503,
  shutting_down: 503,
};

/** Any thrown value as an AppError; unknown errors become a generic `internal`. */
export function asAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof ZodError) {
    return new AppError('invalid_request', z.prettifyError(err), {
      hint: 'Fix the listed fields and call again.',
    });
  }
  if (err instanceof HTTPException && err.status === 413) {
    return new AppError('payload_too_large', 'The request body is too large.', {
      hint: 'Send less text: messages, context and responses are limited in size.',
    });
  }
  if (err instanceof HTTPException && err.status < 500) {
    return new AppError('invalid_request', err.message || 'Bad request.');
  }
  return new AppError('internal', 'The coordinator hit an unexpected error; it has been logged.', {
    cause: err,
  });
}

export function errorBody(err: AppError): ErrorBody {
  return {
    error: {
      code: err.code,
      message: err.message,
      ...(err.hint ? { hint: err.hint } : {}),
      ...(err.retryAfterSeconds !== undefined
        ? { retry_after_seconds: err.retryAfterSeconds }
        : {}),
      ...(err.details !== undefined ? { details: err.details } : {}),
    },
  };
}

/**
 * Sends `err` as JSON. On the MCP endpoint the body is a JSON-RPC error (the SDK client expects
 * one) carrying the same code and hint in `data`.
 */
export function sendError(c: Context, err: AppError) {
  const status = STATUS[err.code];
  if (err.retryAfterSeconds !== undefined)
    c.header('Retry-After', String(Math.ceil(err.retryAfterSeconds)));
  if (c.req.path === '/mcp') {
    const { error } = errorBody(err);
    const message = error.hint ? `${error.message} ${error.hint}` : error.message;
    return c.json(
      { jsonrpc: '2.0', error: { code: -32600, message, data: error }, id: null },
      status,
    );
  }
  return c.json(errorBody(err), status);
}

export function createErrorHandler(logger: Logger): ErrorHandler {
  return (err, c) => {
    const appError = asAppError(err);
    if (appError.code === 'internal') {
      logger.error({ err, method: c.req.method, path: c.req.path }, 'unhandled error');
    }
    return sendError(c, appError);
  };
}
