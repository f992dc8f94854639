/** @module Calling a tool again after a retryable error, as a well-behaved agent does. */
import type { Ledger } from './ledger.js';
import { ToolCallError } from './mcp-client.js';

/** Errors after which the same call may simply be made again. */
const RETRYABLE = new Set(['unavailable', 'rate_limited', 'inbox_full', 'network']);
/** A call that still fails after this long is given up (and reported as an error). */
const GIVE_UP_MS = 60_000;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const isRetryable = (err: unknown) =>
  err instanceof ToolCallError && RETRYABLE.has(err.code);

/**
 * Runs `call` until it succeeds; retryable failures are counted and tried again after a short
 * pause, anything else (or `GIVE_UP_MS` of failures) is recorded as an error and gives undefined.
 * An abort of `signal` gives undefined without an error.
 */
export async function retrying<T>(
  ledger: Ledger,
  call: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T | undefined> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (signal?.aborted) return undefined;
      if (!isRetryable(err) || Date.now() - started > GIVE_UP_MS) {
        ledger.recordError(err instanceof Error ? err.message : String(err));
        return undefined;
      }
      ledger.retries += 1;
      await sleep(Math.min(1_000, 50 * 2 ** attempt));
    }
  }
}
