/**
 * The pinned Claude Code CLI, installed on demand. It is ~400 MB of native binary, so it is not a
 * workspace dependency: `npm ci` installs test/claude-code/package-lock.json into a cache dir
 * (`$C3PO_TEST_CACHE`, default `${XDG_CACHE_HOME:-~/.cache}/c3po-test`) and later runs reuse it
 * while the lockfile is the same.
 *
 * The install runs with the user's npm settings and Node TLS settings (a registry mirror, a
 * proxy, a company CA in `cafile` or NODE_EXTRA_CA_CERTS), as `npm ci` in the repository would:
 * npm runs in the cache dir itself, not with `--prefix`, which would also move where npm looks
 * for its global config; the repository's .npmrc, if any, is put beside the lockfile; and of the
 * `npm_*` variables of the `npm test` that started us, only those that would steer this npm to
 * another place (prefix, workspace) are left out.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PINNED = join(dirname(fileURLToPath(import.meta.url)), '../claude-code');
const REPO_ROOT = join(PINNED, '../../../..');
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

/**
 * npm settings (as `npm_config_<name>` variables, which npm sets for the scripts it runs) that say
 * where to install or describe the npm that set them; the rest (cafile, registry, proxy,
 * strict-ssl, cache, userconfig, globalconfig...) are the user's and are kept.
 */
const STEERING = new Set([
  'prefix',
  'global',
  'location',
  'workspace',
  'workspaces',
  'include_workspace_root',
  'workspaces_update',
  'global_prefix',
  'local_prefix',
  'npm_version',
  'user_agent',
]);

/** The environment of the install's npm and node: ours, minus what would steer it elsewhere. */
export function installEnv(parent: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(parent)) {
    if (value === undefined) continue;
    const setting = /^npm_config_(.+)$/i.exec(key)?.[1]?.toLowerCase().replaceAll('-', '_');
    if (setting === undefined ? /^npm_/i.test(key) || key === 'INIT_CWD' : STEERING.has(setting)) {
      continue;
    }
    env[key] = value;
  }
  return env;
}

/** The npm command that installs the pinned CLI into `dir`, which holds its lockfile. */
export function npmInstall(dir: string): { args: string[]; cwd: string } {
  // Optional dependencies carry the native binary; an `omit=optional` of the user must not win.
  return {
    args: ['ci', '--include=optional', '--no-audit', '--no-fund', '--loglevel=error'],
    cwd: dir,
  };
}

/**
 * Puts the pinned lockfile in `dir`, and the repository's .npmrc (its project config, which npm
 * would read for `npm ci` at the repository root) beside it. Returns the .npmrc copied, if any.
 */
export function prepareInstallDir(dir: string, repoRoot = REPO_ROOT): string | undefined {
  mkdirSync(dir, { recursive: true });
  for (const f of FILES) copyFileSync(join(PINNED, f), join(dir, f));
  const npmrc = join(repoRoot, '.npmrc');
  if (!existsSync(npmrc)) return undefined;
  copyFileSync(npmrc, join(dir, '.npmrc'));
  return join(dir, '.npmrc');
}

/** Runs a command for the install; throws with its output when it fails. */
function run(cmd: string, args: string[], cwd: string) {
  const result = spawnSync(cmd, args, {
    cwd,
    env: installEnv(process.env),
    encoding: 'utf8',
    timeout: 10 * 60_000,
  });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-20);
    throw new Error(
      `${cmd} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n${output.join('\n')}`,
    );
  }
}

/** Where installs are kept between runs. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.C3PO_TEST_CACHE || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'c3po-test');
}

/** Returns the path of the pinned `claude` binary, installing it first when needed. */
export function installClaudeCode(log: (line: string) => void): string {
  const dir = join(cacheRoot(), 'claude-code');
  if (sameLockfile(dir) && works(binOf(dir))) return binOf(dir);

  log(`installing Claude Code ${CLAUDE_CODE_VERSION} into ${dir} (npm ci, ~400 MB)`);
  const tmp = `${dir}.tmp-${process.pid}-${randomUUID().slice(0, 8)}`;
  try {
    const npmrc = prepareInstallDir(tmp);
    const npm = npmInstall(tmp);
    run('npm', npm.args, npm.cwd);
    // It may hold credentials; the install no longer needs it.
    if (npmrc) rmSync(npmrc, { force: true });
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
