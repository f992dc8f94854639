/** @module Rate counters in Redis, so a limit holds across every coordinator replica. */
import type { Keys } from './keys.js';
import type { RunScript } from './script-runner.js';

export type LimitsStore = ReturnType<typeof createLimitsStore>;

export function createLimitsStore(run: RunScript, keys: Keys) {
  return {
    /** Counts one send by `agent` in the current window; returns the count and when the window ends. */
    async countSend(
      agent: string,
      windowMs: number,
    ): Promise<{ count: number; resetInMs: number }> {
      const reply = await run('count-hit-1', [keys.sendCount(agent)], [windowMs]);
      const [count, ttl] = Array.isArray(reply) ? reply.map(Number) : [0, 0];
      return { count: count ?? 0, resetInMs: Math.max(ttl ?? 0, 0) };
    },
  };
}
