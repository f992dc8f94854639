/** An in-process coordinator on a free port, over real Redis, under a key prefix of its own. */
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { type Coordinator, startCoordinator } from '../../src/start-coordinator.js';

export type TestCoordinator = Coordinator & { prefix: string };

/** Env overrides are the coordinator's own variables, e.g. `{ C3PO_REDELIVER_AFTER_MS: '200' }`. */
export async function startTestCoordinator(
  env: Record<string, string> = {},
): Promise<TestCoordinator> {
  const prefix = `t-${randomUUID().slice(0, 8)}`;
  const config = loadConfig({
    REDIS_URL: inject('redisUrl'),
    C3PO_PORT: '0',
    C3PO_KEY_PREFIX: prefix,
    LOG_LEVEL: 'silent',
    C3PO_SHUTDOWN_GRACE_MS: '2000',
    ...env,
  });
  const coordinator = await startCoordinator(config, createLogger(config.logLevel), 'test');
  return { ...coordinator, prefix };
}
