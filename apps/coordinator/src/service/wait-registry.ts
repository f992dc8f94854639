/**
 * @module The open waits of this process, within their limits: per process and per agent here in
 * memory (a restarted process starts with none), per token in Redis as leases this process renews,
 * so that the waits of a process that died lapse within seconds. Waits for requests also show the
 * agent as listening in the directory, under the same kind of lease.
 */
import { AppError } from '../errors.js';
import type { Store } from '../store/create-store.js';
import { untracked } from '../store/round-trips.js';
import type { Background } from './background.js';
import type { Caller } from './caller.js';
import { newId } from './new-id.js';

export interface WaitLimits {
  waitsPerProcess: number;
  waitsPerAgent: number;
  waitsPerToken: number;
}

/** A lease lapses this long after its last renewal; renewals come three times as often. */
export const LEASE_MS = 6_000;

export interface OpenWait {
  close(): void;
}

export type WaitRegistry = ReturnType<typeof createWaitRegistry>;

export function createWaitRegistry(store: Store, limits: WaitLimits, background: Background) {
  let total = 0;
  const perAgent = new Map<string, number>();
  /** Agents with an open wait_for_request here, and how many. */
  const listening = new Map<string, number>();
  const perToken = new Map<string, Set<string>>();

  const bump = (map: Map<string, number>, key: string, by: number) => {
    const n = (map.get(key) ?? 0) + by;
    if (n > 0) map.set(key, n);
    else map.delete(key);
    return n;
  };

  const busy = (message: string, hint: string) =>
    new AppError('rate_limited', message, { hint, retryAfterSeconds: 10 });

  const renew = () => {
    const now = Date.now();
    untracked(() => {
      if (listening.size > 0)
        background('renewing wait leases', () =>
          store.presence.markWaiting([...listening.keys()], now + LEASE_MS, now),
        );
      for (const [digest, ids] of perToken)
        background('renewing token wait leases', () =>
          store.limits.renewTokenWaits(digest, [...ids], now + LEASE_MS),
        );
    });
  };
  const timer = setInterval(renew, LEASE_MS / 3);
  timer.unref();

  return {
    /** Opens a wait for `caller`, or refuses it (`rate_limited`) past a limit. */
    async open(caller: Caller, kind: 'request' | 'response'): Promise<OpenWait> {
      const agent = caller.agentId;
      if (total >= limits.waitsPerProcess) {
        throw busy(
          `This coordinator holds ${limits.waitsPerProcess} waits, the most it may; yours was not started.`,
          'Call again in a few seconds.',
        );
      }
      if ((perAgent.get(agent) ?? 0) >= limits.waitsPerAgent) {
        throw busy(
          `Agent ${agent} already has ${limits.waitsPerAgent} waits open, the most it may have at once.`,
          'Each wait returns within 90 seconds; let an open one finish (or cancel it) before starting another.',
        );
      }
      const id = newId();
      const digest = caller.tokenDigest;
      if (digest) {
        const now = Date.now();
        const held = await store.limits
          .leaseTokenWait(digest, id, {
            nowMs: now,
            untilMs: now + LEASE_MS,
            limit: limits.waitsPerToken,
          })
          // While Redis is unreachable the limit cannot be checked; waits ride out outages.
          .catch((err: unknown) => {
            if (err instanceof AppError && err.code === 'unavailable') return true;
            throw err;
          });
        if (!held) {
          throw busy(
            `Your token already has ${limits.waitsPerToken} waits open, the most it may have at once.`,
            'Let an open wait finish before starting another.',
          );
        }
        const ids = perToken.get(digest) ?? new Set<string>();
        perToken.set(digest, ids);
        ids.add(id);
      }
      total += 1;
      bump(perAgent, agent, 1);
      if (kind === 'request' && bump(listening, agent, 1) === 1) {
        const now = Date.now();
        background('marking an agent as listening', () =>
          store.presence.markWaiting([agent], now + LEASE_MS, now),
        );
      }
      let closed = false;
      return {
        close() {
          if (closed) return;
          closed = true;
          total -= 1;
          bump(perAgent, agent, -1);
          if (kind === 'request' && bump(listening, agent, -1) === 0)
            background('unmarking an agent as listening', () =>
              store.presence.unmarkWaiting(agent),
            );
          if (digest) {
            const ids = perToken.get(digest);
            ids?.delete(id);
            if (ids?.size === 0) perToken.delete(digest);
            background('ending a token wait lease', () =>
              store.limits.releaseTokenWait(digest, id),
            );
          }
        },
      };
    },

    /** Waits open on this process. */
    count: () => total,

    stop: () => clearInterval(timer),
  };
}
