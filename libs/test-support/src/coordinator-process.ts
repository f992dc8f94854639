/** @module The built coordinator (`apps/coordinator/dist/main.js`) as its own process, as users run it. */
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';
import { type Started, start, stop } from './process.js';

export const COORDINATOR_MAIN = fileURLToPath(
  new URL('../../../apps/coordinator/dist/main.js', import.meta.url),
);

export interface CoordinatorProcess extends Started {
  url: string;
  port: number;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

/**
 * Starts the coordinator with exactly `env` (plus PATH and a free C3PO_PORT unless given) and
 * resolves once /api/health answers 200.
 */
export async function startCoordinatorProcess(
  env: Record<string, string>,
): Promise<CoordinatorProcess> {
  const port = Number(env.C3PO_PORT ?? (await freePort()));
  const started = start(process.execPath, [COORDINATOR_MAIN], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env, C3PO_PORT: String(port) },
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (started.child.exitCode !== null) {
      throw new Error(
        `the coordinator exited with ${started.child.exitCode}:\n${started.output()}`,
      );
    }
    const status = await fetch(`${url}/api/health`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return { ...started, url, port, stop: (graceMs) => stop(started, graceMs) };
    await sleep(100);
  }
  await stop(started);
  throw new Error(`the coordinator did not answer /api/health:\n${started.output()}`);
}
