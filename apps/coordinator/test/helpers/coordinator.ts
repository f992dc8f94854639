/** An in-process coordinator on a free port, over real Redis, under a key prefix of its own. */
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { type Coordinator, startCoordinator } from '../../src/start-coordinator.js';
import { type Backend, backendEnv } from './backends.js';

export type TestCoordinator = Coordinator & { prefix: string };

/**
 * Env overrides are the coordinator's own variables, e.g. `{ C3PO_REDELIVER_AFTER_MS: '200' }`.
 * `prefix` shares another coordinator's data (several replicas).
 */
export async function startTestCoordinator(
  env: Record<string, string> = {},
  backend: Backend = 'single',
  prefix = `t-${randomUUID().slice(0, 8)}`,
): Promise<TestCoordinator> {
  const config = loadConfig({
    ...backendEnv(backend),
    C3PO_PORT: '0',
    C3PO_KEY_PREFIX: prefix,
    LOG_LEVEL: process.env.TEST_LOG ?? 'silent',
    C3PO_SHUTDOWN_GRACE_MS: '2000',
    ...env,
  });
  const coordinator = await startCoordinator(config, createLogger(config.logLevel), 'test');
  await waitForRedis(coordinator, backend === 'cluster' ? 3 : 1);
  return { ...coordinator, prefix };
}

/** Redis clients connect in the background; wait until every server (master) answers. */
async function waitForRedis(coordinator: Coordinator, servers: number) {
  for (let i = 0; i < 200; i++) {
    const health = await coordinator.services.health().catch(() => undefined);
    if (health?.ok && health.nodes.length >= servers) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the coordinator did not connect to the test Redis');
}
