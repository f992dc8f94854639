/**
 * @module Periodic upkeep, run by every replica (each step is idempotent and bounded): ending the
 * requests whose deadline passed, and forgetting agents and conversations idle past retention.
 */
import type { Logger } from '../logger.js';
import type { Store } from '../store/create-store.js';
import { untracked } from '../store/round-trips.js';
import type { AnswersService } from './answers-service.js';

/** Requests ended per sweep at most; the next sweep takes the rest. */
const SWEEP_BATCH = 100;
const FORGET_EVERY_MS = 5 * 60 * 1000;
const FORGET_BATCH = 1_000;

/** Ends the open requests whose deadline passed (at most one batch); returns how many. */
export async function sweepDeadlines(store: Store, answers: AnswersService): Promise<number> {
  const due = await store.deadlines.due(Date.now(), SWEEP_BATCH);
  await Promise.all(
    due.map(async (d) => {
      const record = await answers.expire(d.recipient, d.requestId);
      // No record: a send that never committed, or one past retention.
      if (!record) await store.deadlines.remove(d.recipient, d.requestId);
      // Still open and not due: its entry was brought forward by an answer that was then
      // refused; put it back at its deadline.
      else if (record.state === 'queued')
        await store.deadlines.add(d.recipient, d.requestId, record.expires_at);
    }),
  );
  return due.length;
}

/** Forgets agents and conversations idle past the retention period (one batch). */
export async function forgetIdle(store: Store, retentionMs: number): Promise<number> {
  const before = Date.now() - retentionMs;
  const [agents] = await Promise.all([
    store.presence.lapse(before, FORGET_BATCH),
    store.conversations.forget(before),
  ]);
  return agents.length;
}

/** Starts the upkeep timers; returns a function that stops them. */
export function startMaintenance(
  store: Store,
  answers: AnswersService,
  config: { retentionMs: number; expirySweepMs: number },
  logger: Logger,
): () => void {
  let sweeping = false;
  const sweep = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    untracked(() =>
      sweepDeadlines(store, answers)
        .catch((err: unknown) => logger.debug({ err: String(err) }, 'deadline sweep failed'))
        .finally(() => {
          sweeping = false;
        }),
    );
  }, config.expirySweepMs);
  const forget = setInterval(() => {
    untracked(() =>
      forgetIdle(store, config.retentionMs).catch((err: unknown) =>
        logger.warn({ err: String(err) }, 'forgetting idle agents failed; will retry'),
      ),
    );
  }, FORGET_EVERY_MS);
  sweep.unref();
  forget.unref();
  return () => {
    clearInterval(sweep);
    clearInterval(forget);
  };
}
