/** The Redis setups the delivery and tool tests run against: one server, and a Redis Cluster. */
import { inject } from 'vitest';
import type { RedisTarget } from '../../src/store/redis-client.js';

export const BACKENDS = ['single', 'cluster'] as const;
export type Backend = (typeof BACKENDS)[number];

/** The coordinator's environment for a backend. */
export function backendEnv(backend: Backend): Record<string, string> {
  return backend === 'single'
    ? { REDIS_URL: inject('redisUrl') }
    : { REDIS_CLUSTER_NODES: inject('clusterSeeds').join(',') };
}

export function backendTarget(backend: Backend): RedisTarget {
  return backend === 'single'
    ? { url: inject('redisUrl') }
    : { clusterNodes: inject('clusterSeeds') };
}
