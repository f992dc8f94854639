/**
 * The install of the pinned Claude Code CLI honours the user's npm and Node TLS settings (a
 * company CA, a registry mirror, a proxy) on the whole way from `npm test` to its `npm ci`:
 * turbo passes them on to the test task, the install helper keeps them, and the npm it runs reads
 * the same config files as npm at the repository root. `npm test` once failed on a fresh clone on
 * a machine that needs a custom CA because each of the three dropped them.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cacheRoot, installEnv, npmInstall, prepareInstallDir } from './helpers/claude-install.js';
import { PLUGIN_DIR } from './helpers/claude-session.js';

const REPO_ROOT = join(PLUGIN_DIR, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'c3po-claude-install-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** This process's environment without any npm_* variable, as when turbo dropped them all. */
function withoutNpm(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (e): e is [string, string] => e[1] !== undefined && !/^npm_/i.test(e[0]),
    ),
  );
}

/** `npm config get <keys>` run as the install runs npm: same cwd, flags and environment. */
function npmConfig(dir: string, parent: NodeJS.ProcessEnv, keys: string[]) {
  const npm = npmInstall(dir);
  expect(npm.args[0]).toBe('ci');
  const run = spawnSync('npm', ['config', 'get', ...keys, ...npm.args.slice(1)], {
    cwd: npm.cwd,
    env: installEnv(parent),
    encoding: 'utf8',
  });
  expect(run.status, run.stderr).toBe(0);
  if (keys.length === 1) return { [keys[0] as string]: run.stdout.trim() };
  return Object.fromEntries(
    run.stdout
      .trim()
      .split('\n')
      .map((line) => line.split(/=(.*)/s).slice(0, 2)),
  ) as Record<string, string>;
}

describe('installEnv', () => {
  const parent = {
    PATH: '/usr/bin:/bin',
    HOME: '/home/u',
    NODE_EXTRA_CA_CERTS: '/etc/company-ca.pem',
    SSL_CERT_FILE: '/etc/ssl/cert.pem',
    HTTPS_PROXY: 'http://proxy.corp:3128',
    no_proxy: 'localhost',
    npm_config_cafile: '/etc/company-ca.pem',
    NPM_CONFIG_REGISTRY: 'https://npm.corp/',
    npm_config_https_proxy: 'http://proxy.corp:3128',
    npm_config_strict_ssl: 'true',
    npm_config_cache: '/home/u/.npm',
    npm_config_userconfig: '/home/u/.npmrc',
    npm_config_globalconfig: '/usr/etc/npmrc',
    npm_config_ignore_scripts: 'true',
    // Set by the `npm test` (or `npm test -w`) that started the tests:
    npm_config_prefix: '/usr',
    npm_config_local_prefix: '/repo',
    npm_config_global_prefix: '/usr',
    npm_config_workspace: '@c3po/plugin',
    NPM_CONFIG_WORKSPACES: 'true',
    npm_config_global: 'true',
    npm_config_npm_version: '11.0.0',
    npm_config_user_agent: 'npm/11.0.0 node/v20 linux x64 workspaces/true',
    npm_lifecycle_event: 'test',
    npm_package_name: '@c3po/plugin',
    npm_execpath: '/usr/lib/node_modules/npm/bin/npm-cli.js',
    INIT_CWD: '/repo',
  };

  it("keeps the user's npm settings and Node TLS and proxy settings", () => {
    expect(installEnv(parent)).toMatchObject({
      PATH: '/usr/bin:/bin',
      HOME: '/home/u',
      NODE_EXTRA_CA_CERTS: '/etc/company-ca.pem',
      SSL_CERT_FILE: '/etc/ssl/cert.pem',
      HTTPS_PROXY: 'http://proxy.corp:3128',
      no_proxy: 'localhost',
      npm_config_cafile: '/etc/company-ca.pem',
      NPM_CONFIG_REGISTRY: 'https://npm.corp/',
      npm_config_https_proxy: 'http://proxy.corp:3128',
      npm_config_strict_ssl: 'true',
      npm_config_cache: '/home/u/.npm',
      npm_config_userconfig: '/home/u/.npmrc',
      npm_config_globalconfig: '/usr/etc/npmrc',
      npm_config_ignore_scripts: 'true',
    });
  });

  it('drops what would steer the install to another place, and the parent run’s own npm_* variables', () => {
    expect(Object.keys(installEnv(parent)).sort()).toEqual(
      [
        'PATH',
        'HOME',
        'NODE_EXTRA_CA_CERTS',
        'SSL_CERT_FILE',
        'HTTPS_PROXY',
        'no_proxy',
        'npm_config_cafile',
        'NPM_CONFIG_REGISTRY',
        'npm_config_https_proxy',
        'npm_config_strict_ssl',
        'npm_config_cache',
        'npm_config_userconfig',
        'npm_config_globalconfig',
        'npm_config_ignore_scripts',
      ].sort(),
    );
  });
});

describe('the npm that installs Claude Code', () => {
  it('reads the same global config as npm at the repository root (no --prefix, which moves it)', () => {
    const dir = join(scratch, 'global');
    prepareInstallDir(dir, join(scratch, 'no-repo'));
    const atRoot = spawnSync('npm', ['config', 'get', 'globalconfig'], {
      cwd: REPO_ROOT,
      env: withoutNpm(),
      encoding: 'utf8',
    }).stdout.trim();
    expect(atRoot).not.toBe('');
    // With everything npm_* dropped, as turbo once did, npm has only its files to go by.
    expect(npmConfig(dir, withoutNpm(), ['globalconfig'])).toEqual({ globalconfig: atRoot });
  });

  it("takes cafile from the user's config, registry from the repository's .npmrc, and the settings in npm_config_*", () => {
    const repo = join(scratch, 'repo');
    mkdirSync(repo, { recursive: true });
    writeFileSync(join(repo, '.npmrc'), 'registry=http://127.0.0.1:9/project-registry/\n');
    const userrc = join(scratch, 'userrc');
    writeFileSync(userrc, `cafile=${join(scratch, 'company-ca.pem')}\n`);
    const dir = join(scratch, 'install');
    expect(prepareInstallDir(dir, repo)).toBe(join(dir, '.npmrc'));
    const config = npmConfig(
      dir,
      {
        ...withoutNpm(),
        npm_config_userconfig: userrc,
        npm_config_strict_ssl: 'false',
        npm_config_prefix: join(scratch, 'elsewhere'),
        npm_config_workspace: '@c3po/plugin',
      },
      ['cafile', 'registry', 'strict-ssl', 'prefix', 'workspace'],
    );
    expect(config).toEqual({
      cafile: join(scratch, 'company-ca.pem'),
      registry: 'http://127.0.0.1:9/project-registry/',
      'strict-ssl': 'false',
      prefix: expect.not.stringContaining('elsewhere'),
      workspace: '',
    });
  });
});

describe('cacheRoot', () => {
  it('is C3PO_TEST_CACHE, else c3po-test in XDG_CACHE_HOME, else in ~/.cache', () => {
    expect(cacheRoot({ C3PO_TEST_CACHE: '/c', XDG_CACHE_HOME: '/x' })).toBe('/c');
    expect(cacheRoot({ XDG_CACHE_HOME: '/x' })).toBe('/x/c3po-test');
    expect(cacheRoot({})).toMatch(/\/\.cache\/c3po-test$/);
  });
});

describe('turbo.json', () => {
  it('passes the npm, TLS, proxy and test cache settings on to the test task', () => {
    const settings = {
      NODE_EXTRA_CA_CERTS: '/etc/company-ca.pem',
      SSL_CERT_FILE: '/etc/ssl/cert.pem',
      HTTPS_PROXY: 'http://proxy.corp:3128',
      https_proxy: 'http://proxy.corp:3128',
      NO_PROXY: 'localhost',
      npm_config_cafile: '/etc/company-ca.pem',
      NPM_CONFIG_REGISTRY: 'https://npm.corp/',
      npm_config_strict_ssl: 'true',
      C3PO_TEST_CACHE: '/var/cache/c3po-test',
      XDG_CACHE_HOME: '/var/cache',
    };
    const dry = spawnSync(
      join(REPO_ROOT, 'node_modules/.bin/turbo'),
      ['run', 'test', '--filter=@c3po/plugin', '--dry=json'],
      {
        cwd: REPO_ROOT,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: process.env.HOME ?? scratch,
          TURBO_TELEMETRY_DISABLED: '1',
          ...settings,
        },
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(dry.status, dry.stderr).toBe(0);
    const report = JSON.parse(dry.stdout) as {
      envMode: string;
      globalCacheInputs: { environmentVariables: { passthrough: string[] | null } };
    };
    const passed = (report.globalCacheInputs.environmentVariables.passthrough ?? []).map(
      (entry) => entry.split('=')[0],
    );
    expect(report.envMode).toBe('strict');
    expect(passed).toEqual(expect.arrayContaining(Object.keys(settings)));
  });
});
