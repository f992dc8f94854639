/** @module The built coordinator (`apps/coordinator/dist/main.js`) as its own process, as users run it. */
import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';

export const COORDINATOR_MAIN = fileURLToPath(
  new URL('../../../apps/coordinator/dist/main.js', import.meta.url),
);

export interface CoordinatorProcess {
  url: string;
  port: number;
  child: ChildProcess;
  exited: Promise<number | null>;
  /** Everything it printed so far. */
  output(): string;
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
  const child = spawn(process.execPath, [COORDINATOR_MAIN], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env, C3PO_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d));
  child.stderr?.on('data', (d: Buffer) => (output += d));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = async (graceMs = 10_000) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    return exited;
  };
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null)
      throw new Error(`the coordinator exited with ${child.exitCode}:\n${output}`);
    const status = await fetch(`${url}/api/health`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return { url, port, child, exited, output: () => output, stop };
    await sleep(100);
  }
  await stop();
  throw new Error(`the coordinator did not answer /api/health:\n${output}`);
}
