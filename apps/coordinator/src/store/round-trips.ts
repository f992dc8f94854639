/**
 * @module Counts the Redis round trips a piece of work waits for, one after another: commands
 * sent while others of the same work are in flight share a round trip. Tests and the benchmark use
 * it to hold each tool to its budget; background work started with {@link untracked} is not counted.
 * Costs nothing until {@link countRoundTrips} is first used.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

interface Tally {
  inFlight: number;
  roundTrips: number;
  commands: number;
}

let storage: AsyncLocalStorage<Tally> | undefined;

/** Runs `work` and reports how many sequential Redis round trips (and commands) it waited for. */
export async function countRoundTrips<T>(
  work: () => Promise<T>,
): Promise<{ result: T; roundTrips: number; commands: number }> {
  storage ??= new AsyncLocalStorage<Tally>();
  const tally: Tally = { inFlight: 0, roundTrips: 0, commands: 0 };
  const result = await storage.run(tally, work);
  return { result, roundTrips: tally.roundTrips, commands: tally.commands };
}

/** Runs `work` outside any count: for work the caller does not wait for. */
export function untracked<T>(work: () => T): T {
  return storage ? storage.exit(work) : work();
}

/** Wraps one Redis command so that it is counted in the current tally, if any. */
export function tracked<T>(send: () => Promise<T>): Promise<T> {
  const tally = storage?.getStore();
  if (!tally) return send();
  if (tally.inFlight === 0) tally.roundTrips += 1;
  tally.inFlight += 1;
  tally.commands += 1;
  return send().finally(() => {
    tally.inFlight -= 1;
  });
}
