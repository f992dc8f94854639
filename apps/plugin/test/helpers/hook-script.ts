/** Runs the plugin's hook script as Claude Code does: `sh c3po-hook.sh <event>`, input on stdin. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PLUGIN_DIR } from './claude-session.js';

export const HOOK_SCRIPT = join(PLUGIN_DIR, 'hooks/c3po-hook.sh');

export interface HookRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** From spawn until every pipe of the hook closed: what Claude Code waits for. */
  ms: number;
}

export interface HookOptions {
  /** The hook's environment, on top of a minimal PATH. */
  env?: Record<string, string>;
  cwd?: string;
  /** Send SIGTERM to the hook after this many ms (as Claude Code does when a hook is cancelled). */
  killAfterMs?: number;
}

export function runHook(
  event: string,
  input: object | string,
  o: HookOptions = {},
): Promise<HookRun> {
  const started = Date.now();
  const child = spawn('sh', [HOOK_SCRIPT, event], {
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', ...o.env },
    cwd: o.cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  child.stdin.on('error', () => {}); // a hook may exit before reading all of its input
  child.stdin.end(typeof input === 'string' ? input : JSON.stringify(input));
  if (o.killAfterMs !== undefined) setTimeout(() => child.kill('SIGTERM'), o.killAfterMs);
  return new Promise((resolve) => {
    child.once('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });
}
