/** @module Turns Redis failures into AppErrors: connection trouble is `unavailable`, never a 500. */
import {
  ClientClosedError,
  ClientOfflineError,
  ConnectionTimeoutError,
  DisconnectsClientError,
  ErrorReply,
  ReconnectStrategyError,
  SocketClosedUnexpectedlyError,
  SocketTimeoutError,
  TimeoutError,
} from 'redis';
import { AppError, unavailable } from '../errors.js';
import { RedisDeadlineError } from './redis-client.js';

/** Reply errors that mean "the server cannot take this right now", not "this command is wrong". */
const TRANSIENT_REPLIES = /^(LOADING|BUSY|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN|OOM|NOREPLICAS)/;

const CONNECTION_ERRORS = [
  RedisDeadlineError,
  ClientClosedError,
  ClientOfflineError,
  ConnectionTimeoutError,
  DisconnectsClientError,
  ReconnectStrategyError,
  SocketClosedUnexpectedlyError,
  SocketTimeoutError,
  TimeoutError,
];

/** Connection trouble becomes `unavailable`; anything else (a bug) stays what it is. */
export function toAppError(err: unknown): unknown {
  if (err instanceof ErrorReply) {
    return TRANSIENT_REPLIES.test(err.message) ? unavailable(err) : err;
  }
  if (CONNECTION_ERRORS.some((type) => err instanceof type)) return unavailable(err);
  if (
    err instanceof Error &&
    'code' in err &&
    typeof err.code === 'string' &&
    /^E[A-Z]+$/.test(err.code)
  ) {
    return unavailable(err); // a socket error such as ECONNREFUSED or ECONNRESET
  }
  return err;
}

/** Runs a store call and maps its failure with {@link toAppError}. */
export async function guarded<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toAppError(err);
  }
}

/**
 * Whether a failed store call's command surely never ran: the client was offline or closed (it
 * was never sent), or Redis refused it before running it (a transient error reply). Otherwise
 * (a lost connection or a missed deadline after it was sent) it may have run.
 */
export function neverRan(err: unknown): boolean {
  const cause = err instanceof AppError ? err.cause : err;
  return (
    cause instanceof ClientOfflineError ||
    cause instanceof ClientClosedError ||
    (cause instanceof ErrorReply && TRANSIENT_REPLIES.test(cause.message))
  );
}
