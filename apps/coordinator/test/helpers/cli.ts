/** @module The `c3po` command as a real process, as an operator or a script runs it. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `script` (the bin or the built CLI) with `args` and exactly `env` (plus PATH). */
export async function runCli(
  script: string,
  args: readonly string[],
  env: Record<string, string>,
): Promise<CliRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [script, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
