/**
 * The pinned Claude Code CLI, installed on demand. It is ~400 MB of native binary, so it is not a
 * workspace dependency: `npm ci` installs test/claude-code/package-lock.json into a cache dir
 * (`$C3PO_TEST_CACHE`, default ~/.cache/c3po-test) and later runs reuse it while the lockfile is
 * the same.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PINNED = join(dirname(fileURLToPath(import.meta.url)), '../claude-code');
const FILES = ['package.json', 'package-lock.json'];

export const CLAUDE_CODE_VERSION: string = JSON.parse(
  readFileSync(join(PINNED, 'package.json'), 'utf8'),
).dependencies['@anthropic-ai/claude-code'];

const binOf = (dir: string) => join(dir, 'node_modules/@anthropic-ai/claude-code/bin/claude.exe');

/** True when `claude --version` runs and names the pinned version (a stub binary does not). */
function works(bin: string): boolean {
  if (!existsSync(bin)) return false;
  const run = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  return run.status === 0 && run.stdout.startsWith(`${CLAUDE_CODE_VERSION} `);
}

function sameLockfile(dir: string): boolean {
  const ours = readFileSync(join(PINNED, 'package-lock.json'), 'utf8');
  const file = join(dir, 'package-lock.json');
  return existsSync(file) && readFileSync(file, 'utf8') === ours;
}

/** Runs a command for the install; throws with its output when it fails. */
function run(cmd: string, args: string[], cwd: string) {
  // npm_* variables of the `npm test` that started us would steer this npm (workspace, prefix...).
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'INIT_CWD'),
  );
  const result = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 10 * 60_000 });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-20);
    throw new Error(
      `${cmd} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n${output.join('\n')}`,
    );
  }
}

/** Returns the path of the pinned `claude` binary, installing it first when needed. */
export function installClaudeCode(log: (line: string) => void): string {
  const root = process.env.C3PO_TEST_CACHE || join(homedir(), '.cache', 'c3po-test');
  const dir = join(root, 'claude-code');
  if (sameLockfile(dir) && works(binOf(dir))) return binOf(dir);

  log(`installing Claude Code ${CLAUDE_CODE_VERSION} into ${dir} (npm ci, ~400 MB)`);
  const tmp = `${dir}.tmp-${process.pid}-${randomUUID().slice(0, 8)}`;
  mkdirSync(tmp, { recursive: true });
  try {
    for (const f of FILES) copyFileSync(join(PINNED, f), join(tmp, f));
    run('npm', ['ci', '--prefix', tmp, '--no-audit', '--no-fund', '--loglevel=error'], tmp);
    // With install scripts off (--ignore-scripts, an allow-list policy) bin/claude.exe stays a stub
    // that only says the native binary is missing; the package's own install.cjs puts it in place.
    if (!works(binOf(tmp))) {
      run(process.execPath, ['node_modules/@anthropic-ai/claude-code/install.cjs'], tmp);
    }
    if (!works(binOf(tmp))) {
      throw new Error(`${binOf(tmp)} does not run as Claude Code ${CLAUDE_CODE_VERSION}`);
    }
    // Swap in the new install whole, so that a run never sees half of one.
    const old = `${dir}.old-${process.pid}`;
    if (existsSync(dir)) renameSync(dir, old);
    renameSync(tmp, dir);
    rmSync(old, { recursive: true, force: true });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return binOf(dir);
}
