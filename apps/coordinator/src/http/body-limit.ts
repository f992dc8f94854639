/**
 * @module Refuses a request body over the limit from its Content-Length, before anything reads it.
 * (Hono's bodyLimit reads `c.req.raw.body`, which makes @hono/node-server build a full web
 * Request for every call; that alone cost more than the rest of a tool call.) A body without a
 * length (chunked) goes through Hono's middleware, which counts it as it arrives.
 */
import type { MiddlewareHandler } from 'hono';
import { bodyLimit as countingBodyLimit } from 'hono/body-limit';

export function bodyLimit(maxSize: number, onError: () => never): MiddlewareHandler {
  const counting = countingBodyLimit({ maxSize, onError });
  return async (c, next) => {
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return next();
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
      if (Number(length) > maxSize) onError();
      return next();
    }
    return counting(c, next);
  };
}
