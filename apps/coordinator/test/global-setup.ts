/**
 * One real redis-server and one real Redis Cluster (3 masters, 3 replicas) for the whole run, on
 * free loopback ports; tests isolate themselves by key prefix.
 */
import { startRedisCluster, startRedisServer } from '@c3po/test-support';
import type { TestProject } from 'vitest/node';

export default async function setup(project: TestProject) {
  const [redis, cluster] = await Promise.all([startRedisServer(), startRedisCluster()]);
  project.provide('redisUrl', redis.url);
  project.provide('clusterSeeds', cluster.seeds);
  return async () => {
    await Promise.all([redis.dispose(), cluster.dispose()]);
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    clusterSeeds: string[];
  }
}
