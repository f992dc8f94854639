/** Child processes for the tests: run one to completion, or start one and stop it afterwards. */
import { type ChildProcess, spawn } from 'node:child_process';

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string>;
  cwd?: string;
  input?: string;
  timeoutMs?: number;
}

/** Runs a command with exactly `env` (nothing inherited) and resolves with its exit and output. */
export function run(command: string, args: string[], opts: RunOptions = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: opts.env ?? { PATH: process.env.PATH ?? '' },
      cwd: opts.cwd,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d));
    child.stderr?.on('data', (d: Buffer) => (stderr += d));
    // A hung script must fail its test, not the whole run.
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 50_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (child.stdin) {
      // A child that exits without reading its input makes the write fail with EPIPE; its exit
      // code and output are what the test checks.
      child.stdin.on('error', () => {});
      child.stdin.end(opts.input);
    }
  });
}

export interface Started {
  child: ChildProcess;
  exited: Promise<number | null>;
  output(): string;
}

/** Starts a long-running process; the caller stops it (tests do so in afterEach/afterAll). */
export function start(
  command: string,
  args: string[],
  opts: { env: Record<string, string>; cwd?: string },
): Started {
  const child = spawn(command, args, {
    env: opts.env,
    cwd: opts.cwd,
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

/** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
export async function stop(started: Started, graceMs = 10_000): Promise<number | null> {
  if (started.child.exitCode !== null || started.child.signalCode !== null) return started.exited;
  started.child.kill('SIGTERM');
  const timer = setTimeout(() => started.child.kill('SIGKILL'), graceMs);
  const code = await started.exited;
  clearTimeout(timer);
  return code;
}

export { alive, freePort } from '@c3po/test-support';
