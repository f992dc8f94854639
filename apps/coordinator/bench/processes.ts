/** The benchmark's own Redis (one server or a cluster) and coordinator processes, on loopback. */
import { readFileSync } from 'node:fs';
import {
  type CoordinatorProcess,
  startCoordinatorProcess,
  startRedisCluster,
  startRedisServer,
  type TestRedis,
  type TestRedisCluster,
} from '@c3po/test-support';

export interface Proc {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Everything this process started, killed even if it exits early (Ctrl-C, a crash). */
const running = new Set<TestRedis | CoordinatorProcess | TestRedisCluster>();
process.once('exit', () => {
  for (const p of running) {
    if ('seeds' in p) continue; // the cluster's own reaper stops its nodes
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

/** A 3-master, 3-replica Redis Cluster; `url` lists its seeds, comma-separated. */
export async function startCluster(): Promise<Proc> {
  const cluster = await startRedisCluster();
  running.add(cluster);
  return {
    url: cluster.seeds.join(','),
    pid: 0,
    async stop() {
      await cluster.dispose();
      running.delete(cluster);
    },
  };
}

/** The built coordinator as its own process, so that its RSS and CPU are its own. */
export async function startCoordinator(
  redis: string,
  env: Record<string, string> = {},
): Promise<Proc> {
  const coordinator = await startCoordinatorProcess({
    ...(redis.includes(',') ? { REDIS_CLUSTER_NODES: redis } : { REDIS_URL: redis }),
    // The benchmark sends far faster than an agent may, and floods inboxes on purpose.
    C3PO_SEND_RATE_PER_MINUTE: '10000000',
    C3PO_MAX_WAITS_PER_AGENT: '100',
    ...env,
  });
  running.add(coordinator);
  // The cluster client connects in the background: wait until every master answers.
  for (let i = 0; i < 200; i++) {
    const health = (await (await fetch(`${coordinator.url}/api/health`)).json()) as {
      status: string;
      nodes?: unknown[];
    };
    if (health.status === 'ok' && (!redis.includes(',') || (health.nodes?.length ?? 0) >= 3)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
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

/** CPU time (user + system) this process (the load generator) used so far, in ms. */
export function ownCpuMs(): number {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1000;
}

/** CPU time (user + system) a process used so far, in ms (Linux /proc, 10 ms resolution). */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
