/**
 * @module What the soak runs against: a redis-server of its own (AOF, appendfsync everysec, as the
 * embedded default and Compose run it) unless given one, and N built coordinator processes
 * (`dist/main.js`) sharing it under a fresh key prefix.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  type CoordinatorProcess,
  startCoordinatorProcess,
  startRedisServer,
  type TestRedis,
} from '@c3po/test-support';

export interface SoakEnvironment {
  redisUrl: string;
  /** Every key of this soak starts with `<prefix>:`. */
  prefix: string;
  /** Whether the soak started its Redis (and so removes it), or was given one. */
  ownRedis: boolean;
  coordinators: { url: string; pid: number }[];
  /** Stops the coordinators (SIGTERM) and the soak's own Redis. */
  stop(): Promise<void>;
}

/** The pids of every process started and not stopped yet. */
const running = new Set<() => number | undefined>();

/** SIGKILLs every process started and not stopped yet (for an exit in the middle of a run). */
export function killStarted(): void {
  for (const pid of running) {
    const p = pid();
    if (p) process.kill(p, 'SIGKILL');
  }
}

export async function startEnvironment(opts: {
  redisUrl: string | undefined;
  coordinators: number;
}): Promise<SoakEnvironment> {
  const prefix = `soak-${randomBytes(4).toString('hex')}`;
  const redis: TestRedis | undefined = opts.redisUrl
    ? undefined
    : await startRedisServer([
        '--appendonly',
        'yes',
        '--appendfsync',
        'everysec',
        '--maxmemory-policy',
        'noeviction',
      ]);
  const redisPid = () => redis?.pid();
  if (redis) running.add(redisPid);
  const redisUrl = opts.redisUrl ?? (redis as TestRedis).url;
  const started: CoordinatorProcess[] = [];
  const pids = new Map<CoordinatorProcess, () => number | undefined>();
  const stop = async () => {
    await Promise.all(
      started.map(async (c) => {
        await c.stop(5_000);
        running.delete(pids.get(c) as () => number | undefined);
      }),
    );
    await redis?.dispose();
    running.delete(redisPid);
  };
  try {
    for (let i = 0; i < opts.coordinators; i++) {
      const c = await startCoordinatorProcess({
        REDIS_URL: redisUrl,
        C3PO_KEY_PREFIX: prefix,
        // The soak sends far faster than an agent may.
        C3PO_SEND_RATE_PER_MINUTE: '1000000',
      });
      const pid = () => c.child.pid;
      started.push(c);
      pids.set(c, pid);
      running.add(pid);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    redisUrl,
    prefix,
    ownRedis: redis !== undefined,
    coordinators: started.map((c) => ({ url: c.url, pid: c.child.pid ?? 0 })),
    stop,
  };
}

/** Resident set size of a process, bytes (Linux /proc; NaN elsewhere or once it is gone). */
export function rssBytes(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? Number.NaN : Number(kb) * 1024;
  } catch {
    return Number.NaN;
  }
}
