/** @module AppError: the one error type, carrying a stable code from @c3po/protocol. */
import type { ErrorCode } from '@c3po/protocol';

export interface AppErrorOptions {
  /** What the caller should do about it; shown to people and to the model. */
  hint?: string;
  /** Seconds after which the same call may succeed (rate limits, Redis down, restarts). */
  retryAfterSeconds?: number;
  details?: unknown;
  cause?: unknown;
}

export class AppError extends Error {
  readonly hint: string | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly details: unknown;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.hint = options.hint;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.details = options.details;
  }
}

/** The error for "Redis cannot be reached right now"; nothing was stored unless the hint says so. */
export function unavailable(cause: unknown): AppError {
  return new AppError('unavailable', 'The coordinator cannot reach its Redis store right now.', {
    hint: 'This is temporary: call again in a few seconds. Nothing stored earlier is lost.',
    retryAfterSeconds: 2,
    cause,
  });
}
