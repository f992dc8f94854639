/** The benchmark's own redis-server and coordinator process, on free loopback ports. */
import { readFileSync } from 'node:fs';
import {
  type CoordinatorProcess,
  startCoordinatorProcess,
  startRedisServer,
  type TestRedis,
} from '@c3po/test-support';

export interface Proc {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Everything this process started, killed even if it exits early (Ctrl-C, a crash). */
const running = new Set<TestRedis | CoordinatorProcess>();
process.once('exit', () => {
  for (const p of running) {
    const pid = 'child' in p ? p.child.pid : p.pid();
    if (pid) process.kill(pid, 'SIGKILL');
  }
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

/** redis-server with the durability settings of the Compose deployment (AOF, everysec). */
export async function startRedis(): Promise<Proc> {
  const redis = await startRedisServer([
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--maxclients',
    '10000',
  ]);
  running.add(redis);
  return {
    url: redis.url,
    pid: redis.pid() ?? 0,
    async stop() {
      await redis.dispose();
      running.delete(redis);
    },
  };
}

/** The built coordinator as its own process, so its RSS is its own. */
export async function startCoordinator(redisUrl: string): Promise<Proc> {
  // The benchmark sends far faster than an agent may.
  const coordinator = await startCoordinatorProcess({
    REDIS_URL: redisUrl,
    C3PO_SEND_RATE_PER_MINUTE: '1000000',
  });
  running.add(coordinator);
  return {
    url: coordinator.url,
    pid: coordinator.child.pid ?? 0,
    async stop() {
      await coordinator.stop();
      running.delete(coordinator);
    },
  };
}

/** Resident set size of a process, in MB (Linux /proc). */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}
