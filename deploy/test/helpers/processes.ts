/** Child processes for the tests: run one to completion, or start one and stop it afterwards. */
import { spawn } from 'node:child_process';

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

export { alive, freePort, type Started, start, stop } from '@c3po/test-support';
