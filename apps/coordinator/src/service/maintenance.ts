/**
 * @module Periodic upkeep: trims answered requests and delivered responses from the streams.
 * Idempotent, so every replica may run it.
 */
import type { Logger } from '../logger.js';
import type { Store } from '../store/create-store.js';

const EVERY_MS = 5 * 60 * 1000;

/** Trims the streams of every agent seen within the retention period. */
export async function trimAll(store: Store, retentionMs: number): Promise<number> {
  const now = Date.now();
  let removed = 0;
  for (const agent of (await store.presence.list(100_000, now, now - retentionMs)).agents) {
    removed += await store.inbox.trim(agent.agentId);
    removed += await store.responses.trim(agent.agentId, now - retentionMs);
  }
  return removed;
}

/** Starts the upkeep timer; returns a function that stops it. */
export function startMaintenance(store: Store, retentionMs: number, logger: Logger): () => void {
  const timer = setInterval(() => {
    trimAll(store, retentionMs).then(
      (removed) => logger.debug({ removed }, 'streams trimmed'),
      (err: unknown) => logger.warn({ err: String(err) }, 'trimming failed; will retry'),
    );
  }, EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
