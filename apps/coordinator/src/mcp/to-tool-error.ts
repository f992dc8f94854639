/** @module Turns an error into an MCP tool error the model can act on: `<code>: <message> <hint>`. */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ZodError, z } from 'zod';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';

/** The tool error for `err`, and its code (for metrics). */
export function toToolError(
  err: unknown,
  logger: Logger,
): { result: CallToolResult; code: string } {
  let appError: AppError;
  if (err instanceof AppError) appError = err;
  else if (err instanceof ZodError) {
    appError = new AppError('invalid_request', `Invalid arguments: ${z.prettifyError(err)}`, {
      hint: 'Fix the listed arguments and call again.',
    });
  } else {
    logger.error({ err }, 'tool failed unexpectedly');
    appError = new AppError(
      'internal',
      'The coordinator hit an unexpected error; it has been logged.',
      { hint: 'Try again; if it keeps failing, tell your human.' },
    );
  }
  const text = [`${appError.code}: ${appError.message}`, appError.hint].filter(Boolean).join(' ');
  return { result: { isError: true, content: [{ type: 'text', text }] }, code: appError.code };
}
