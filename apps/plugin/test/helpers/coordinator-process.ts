/**
 * The coordinator as users run it: `node dist/main.js` of the @c3po/coordinator workspace (built by
 * the `build` task this package's tests depend on), on a free loopback port, over the test Redis.
 */
import { randomUUID } from 'node:crypto';
import { startCoordinatorProcess } from '@c3po/test-support';
import { inject } from 'vitest';

export interface CoordinatorProcess {
  url: string;
  stop(): Promise<void>;
}

/** `env`: more of the coordinator's settings, e.g. token mode with an admin token. */
export async function startCoordinator(
  env: Record<string, string> = {},
): Promise<CoordinatorProcess> {
  const coordinator = await startCoordinatorProcess({
    REDIS_URL: inject('redisUrl'),
    // Each test file gets its own keys in the shared test Redis.
    C3PO_KEY_PREFIX: `plugin-${randomUUID().slice(0, 8)}`,
    ...env,
  });
  return {
    url: coordinator.url,
    async stop() {
      await coordinator.stop(8_000);
    },
  };
}

/** A coordinator in token mode, and an agent token for agent IDs matching `agents`. */
export async function startTokenCoordinator(agents: string) {
  const admin = `admin-${randomUUID()}`;
  const coordinator = await startCoordinator({ C3PO_AUTH_MODE: 'token', C3PO_ADMIN_TOKEN: admin });
  const res = await fetch(`${coordinator.url}/api/admin/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${admin}` },
    body: JSON.stringify({ agents, name: 'plugin tests' }),
  });
  if (res.status !== 201) {
    await coordinator.stop();
    throw new Error(`creating an agent token failed: ${res.status} ${await res.text()}`);
  }
  const { token } = (await res.json()) as { token: string };
  return { ...coordinator, token };
}
