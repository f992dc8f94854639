/**
 * @module Work a call starts but does not wait for (bookkeeping, events, repairs): never fails the
 * call, is logged when it fails, and is not counted in the call's Redis round trips.
 */
import type { Logger } from '../logger.js';
import { untracked } from '../store/round-trips.js';

export type Background = (what: string, work: () => Promise<unknown>) => void;

export function createBackground(logger: Logger): Background {
  return (what, work) => {
    untracked(() =>
      work().catch((err: unknown) => {
        logger.warn({ err: err instanceof Error ? err.message : String(err) }, `${what} failed`);
      }),
    );
  };
}
