/**
 * @module Work a call starts but does not wait for (bookkeeping, events, repairs): never fails the
 * call, is logged when it fails, and is not counted in the call's Redis round trips. Work started
 * within FLUSH_AFTER_MS is started together, so that its Redis commands share one socket write
 * (each write is a system call, a large part of a call's cost).
 */
import type { Logger } from '../logger.js';
import { untracked } from '../store/round-trips.js';

type Work = () => Promise<unknown>;

export interface Background {
  /** Starts `work` with the next batch, within FLUSH_AFTER_MS. */
  (what: string, work: Work): void;
  /**
   * Starts `work` now: its commands go out before any this process sends later on the same
   * connection, so a call that follows sees what it wrote.
   */
  now(what: string, work: Work): void;
}

const FLUSH_AFTER_MS = 2;

export function createBackground(logger: Logger): Background {
  const start = (what: string, work: Work) =>
    untracked(() =>
      Promise.resolve()
        .then(work)
        .catch((err: unknown) => {
          logger.warn({ err: err instanceof Error ? err.message : String(err) }, `${what} failed`);
        }),
    );
  let queue: { what: string; work: Work }[] = [];
  const flush = () => {
    const batch = queue;
    queue = [];
    for (const { what, work } of batch) start(what, work);
  };
  const later = (what: string, work: Work) => {
    queue.push({ what, work });
    if (queue.length === 1) untracked(() => setTimeout(flush, FLUSH_AFTER_MS));
  };
  return Object.assign(later, { now: start });
}
