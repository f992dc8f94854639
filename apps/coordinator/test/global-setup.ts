/** One real redis-server for the whole run, on a free port; tests isolate by key prefix. */

import { startRedisServer } from '@c3po/test-support';
import type { TestProject } from 'vitest/node';

export default async function setup(project: TestProject) {
  const redis = await startRedisServer();
  project.provide('redisUrl', redis.url);
  return () => redis.dispose();
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}
