/** @module Error codes and the wire shape of every error the coordinator returns. */
import { z } from 'zod';

/**
 * Stable error codes. Clients branch on these, never on message text.
 * The HTTP status for each lives in the coordinator's error handler.
 */
export const ErrorCodeSchema = z.enum([
  'invalid_request',
  'missing_identity',
  'invalid_agent_id',
  'unknown_agent',
  'not_found',
  'forbidden',
  'conflict',
  'expired',
  'cancelled',
  'payload_too_large',
  'rate_limited',
  'inbox_full',
  'unavailable',
  'shutting_down',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

export const ErrorBodySchema = z.object({
  error: z.object({
    code: ErrorCodeSchema,
    message: z.string(),
    hint: z.string().optional(),
    retry_after_seconds: z.number().optional(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;
