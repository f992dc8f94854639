/** @module Long-running child processes for tests: start one, collect its output, stop it. */
import { type ChildProcess, spawn } from 'node:child_process';

export interface Started {
  child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Everything it printed so far, stdout and stderr together. */
  output(): string;
}

/** Starts `command` with exactly `env`; the caller stops it (tests do so in afterEach/afterAll). */
export function start(
  command: string,
  args: readonly string[],
  opts: { env: Record<string, string>; cwd?: string; detached?: boolean },
): Started {
  const child = spawn(command, args, {
    env: opts.env,
    cwd: opts.cwd,
    detached: opts.detached ?? false,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d));
  child.stderr?.on('data', (d: Buffer) => (output += d));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { child, exited, output: () => output };
}

/** SIGTERM, then SIGKILL if it has not exited within `graceMs`; resolves with the exit code. */
export async function stop(started: Started, graceMs = 10_000): Promise<number | null> {
  if (started.child.exitCode !== null || started.child.signalCode !== null) return started.exited;
  started.child.kill('SIGTERM');
  const timer = setTimeout(() => started.child.kill('SIGKILL'), graceMs);
  const code = await started.exited;
  clearTimeout(timer);
  return code;
}
