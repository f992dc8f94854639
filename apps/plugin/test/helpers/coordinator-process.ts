/**
 * The coordinator as users run it: `node dist/main.js` of the @c3po/coordinator workspace (built by
 * the `build` task this package's tests depend on), on a free loopback port, over the test Redis.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { inject } from 'vitest';
import { freePort } from './free-port.js';

const MAIN = createRequire(import.meta.url).resolve('@c3po/coordinator');

export interface CoordinatorProcess {
  url: string;
  stop(): Promise<void>;
}

/** `env`: more of the coordinator's settings, e.g. token mode with an admin token. */
export async function startCoordinator(
  env: Record<string, string> = {},
): Promise<CoordinatorProcess> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      REDIS_URL: inject('redisUrl'),
      C3PO_PORT: String(port),
      // Each test file gets its own keys in the shared test Redis.
      C3PO_KEY_PREFIX: `plugin-${randomUUID().slice(0, 8)}`,
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 8_000);
    await exited;
    clearTimeout(killer);
  };
  for (let i = 0; i < 150; i++) {
    const status = await fetch(`${url}/api/health`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return { url, stop };
    if (child.exitCode !== null) break;
    await sleep(100);
  }
  await stop();
  throw new Error(`the coordinator did not become healthy on ${url}:\n${stderr}`);
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
