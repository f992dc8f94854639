/** @module Turns Redis failures into AppErrors: connection trouble is `unavailable`, never a 500. */
import { ErrorReply } from 'redis';
import { AppError, unavailable } from '../errors.js';

/** Reply errors that mean "the server cannot take this right now", not "this command is wrong". */
const TRANSIENT_REPLIES = /^(LOADING|BUSY|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN|OOM|NOREPLICAS)/;

export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof ErrorReply && !TRANSIENT_REPLIES.test(err.message)) {
    return new AppError('internal', 'The coordinator store rejected a command.', { cause: err });
  }
  return unavailable(err);
}

/** Runs a store call and maps any failure with {@link toAppError}. */
export async function guarded<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toAppError(err);
  }
}
