/** @module The shape of every long wait: check Redis, park on the doorbell, check again. */
import { AppError } from '../errors.js';
import type { Bell } from '../store/doorbell.js';

/** How long to back off after a failed check (Redis unreachable) before trying again. */
const RETRY_MS = 250;
/** Re-check interval while the doorbell subscription itself is down. */
const DEGRADED_POLL_MS = 1_000;

export interface WaitLoopOptions<T> {
  bell: Bell;
  deadlineMs: number;
  /** Aborts the wait: the caller went away, or the coordinator is stopping. */
  signal: AbortSignal;
  /** Re-check even without a ring this often (a ring can be lost in a reconnect). */
  pollMs: number;
  /** Looks for the awaited thing: found, or not yet (and maybe when to look again). */
  check: () => Promise<CheckResult<T>>;
}

/** A check's outcome: the thing, or "not yet", optionally knowing when it will be there. */
export type CheckResult<T> = { found: T } | { found?: undefined; recheckInMs?: number };

/**
 * Checks, then parks until a ring, the poll interval, the deadline or an abort, and repeats.
 * The first check runs after the subscription is confirmed, so no ring is lost in between.
 * Redis being unreachable counts as "not yet" until the deadline. Returns `undefined` on
 * timeout or abort; `timeout 0` checks once.
 */
export async function waitLoop<T>(opts: WaitLoopOptions<T>): Promise<T | undefined> {
  const { bell, signal } = opts;
  let degraded = false;
  await bell.ready.catch(() => {
    degraded = true;
  });
  for (;;) {
    if (signal.aborted) return undefined;
    let pause = degraded ? DEGRADED_POLL_MS : opts.pollMs;
    try {
      const result = await opts.check();
      if (result.found !== undefined) return result.found;
      if ('recheckInMs' in result && result.recheckInMs !== undefined) {
        pause = Math.min(pause, Math.max(result.recheckInMs, 10));
      }
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'unavailable') throw err;
      pause = RETRY_MS;
    }
    const remaining = opts.deadlineMs - Date.now();
    if (remaining <= 0 || signal.aborted) return undefined;
    await bell.next(Math.min(remaining, pause), signal);
  }
}
