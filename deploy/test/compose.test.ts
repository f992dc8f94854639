/**
 * deploy/compose.yaml as Compose resolves it (docker-compose config, which validates it against
 * the Compose Specification), and its Redis as a real redis-server runs it: the entrypoint that
 * hands it the password from the secret, the flags, and the health check.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ComposeConfig,
  type ComposeService,
  composeValue,
  envFromExample,
  resolveCompose,
} from './helpers/compose.js';
import { parseDockerfile } from './helpers/dockerfile.js';
import { freePort, run, type Started, start, stop } from './helpers/processes.js';
import { startRedis, type TestRedis } from './helpers/redis.js';
import { FAKES, REPO } from './helpers/repo.js';

const redises: TestRedis[] = [];
const servers: Started[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await stop(server);
  for (const redis of redises.splice(0)) await redis.dispose();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * A port mapping as host_ip:published:target, whichever form Compose prints it in (v1 prints
 * "127.0.0.1:8421:8420/tcp" for a mapping with an address, objects otherwise).
 */
function ports(service: ComposeService | undefined): string[] {
  return (service?.ports ?? []).map((p) =>
    typeof p === 'string'
      ? String(p).replace(/\/tcp$/, '')
      : [p.host_ip, p.published, p.target].filter((x) => x !== undefined).join(':'),
  );
}

const secretNames = (service: ComposeService | undefined) =>
  (service?.secrets ?? []).map((s) => (typeof s === 'string' ? s : s.source));

async function resolved(settings: Record<string, string> = {}, env: Record<string, string> = {}) {
  const result = await resolveCompose(envFromExample(settings), env);
  if (!result.config) throw new Error(`docker-compose config failed:\n${result.stderr}`);
  return { ...result, config: result.config };
}

function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'c3po-compose-redis-'));
  dirs.push(dir);
  return dir;
}

function which(tool: string): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, tool))) return join(dir, tool);
  }
  throw new Error(`${tool} is needed by the Compose tests but is not on PATH`);
}

/**
 * Runs the redis service as its container would, with what this machine has: its entrypoint and
 * command as Compose resolved them, with the secret's file at `passwordFile`, and a stand-in for
 * the image's docker-entrypoint.sh that puts the server on a port and dir of the test's own.
 */
async function runRedisService(config: ComposeConfig, passwordFile: string) {
  const redis = config.services.redis as ComposeService;
  const bin = join(tempDir(), 'bin');
  mkdirSync(bin);
  for (const tool of ['sh', 'cat', 'grep', 'redis-server'])
    symlinkSync(which(tool), join(bin, tool));
  symlinkSync(join(FAKES, 'docker-entrypoint.sh'), join(bin, 'docker-entrypoint.sh'));
  symlinkSync(join(FAKES, 'redis-cli'), join(bin, 'redis-cli'));
  const port = await freePort();
  const env = {
    PATH: bin,
    ...redis.environment,
    // Where Compose mounts the secret, /run/secrets/redis_password, is a file of the test here.
    REDIS_PASSWORD_FILE: passwordFile,
    FAKE_REDIS_PORT: String(port),
    FAKE_REDIS_DIR: tempDir(),
    FAKE_REDIS_CLI: which('redis-cli'),
  };
  const [shell = '', ...args] = [...(redis.entrypoint ?? []), ...(redis.command ?? [])].map(
    composeValue,
  );
  const server = start(join(bin, shell), args, { env });
  servers.push(server);
  const cli = async (password: string | undefined, ...cmd: string[]) =>
    (
      await run(which('redis-cli'), ['-p', String(port), ...cmd], {
        env: { PATH: '', ...(password === undefined ? {} : { REDISCLI_AUTH: password }) },
        timeoutMs: 5_000,
      })
    ).stdout.trim();
  /** The service's health check, run by sh as Docker runs a CMD-SHELL test. */
  const healthcheck = async (file = passwordFile) => {
    const [kind, command = ''] = redis.healthcheck?.test ?? [];
    expect(kind).toBe('CMD-SHELL');
    return run(join(bin, 'sh'), ['-c', composeValue(command)], {
      env: { ...env, REDIS_PASSWORD_FILE: file },
      timeoutMs: 10_000,
    });
  };
  return { server, port, cli, healthcheck };
}

describe('compose.yaml', () => {
  it('resolves to the coordinator behind a healthy Redis, with the data on a named volume', async () => {
    const { config, root } = await resolved({ C3PO_ALLOWED_HOSTS: 'nas.local' });
    const { coordinator, redis } = config.services;
    if (!coordinator || !redis) throw new Error('both services must be defined');

    expect(coordinator.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
    expect(coordinator.build).toEqual({ context: root, dockerfile: 'deploy/Dockerfile' });
    expect(coordinator.image).toBe('c3po-coordinator:latest');
    expect(ports(coordinator)).toEqual(['8420:8420']);
    expect(coordinator.environment).toMatchObject({
      REDIS_URL: 'redis://redis:6379',
      REDIS_PASSWORD_FILE: '/run/secrets/redis_password',
      C3PO_ADMIN_TOKEN_FILE: '/run/secrets/c3po_admin_token',
      C3PO_HOST: '0.0.0.0',
      C3PO_PORT: '8420',
      C3PO_AUTH_MODE: 'token',
      C3PO_ALLOWED_HOSTS: 'nas.local',
    });

    expect(redis.ports).toBeUndefined();
    expect(redis.volumes).toEqual(['redis-data:/data:rw']);
    expect(config.volumes['redis-data']).toEqual({ name: 'c3po-redis-data' });
    const flags = (redis.command ?? []).join(' ');
    expect(flags).toContain('--appendonly yes');
    expect(flags).toContain('--appendfsync everysec');
    expect(flags).toContain('--maxmemory-policy noeviction');
  });

  it('pins Redis to an exact version and digest, and docs/deploy.md names the same image', async () => {
    const { config } = await resolved();
    const image = config.services.redis?.image ?? '';
    expect(image).toMatch(/^redis:7\.\d+\.\d+-alpine@sha256:[0-9a-f]{64}$/);
    const docs = readFileSync(join(REPO, 'docs/deploy.md'), 'utf8');
    // Every Redis image the docs name (the table, the restore commands) is this one.
    const named = [...docs.matchAll(/\bredis:\d[^\s"'`)|]*alpine[^\s"'`)|]*/g)].map((m) => m[0]);
    expect(named).toContain(image);
    expect(named.filter((n) => n !== image && n !== image.split('@')[0])).toEqual([]);
  });

  it('takes the admin token and the Redis password from secret files in deploy/secrets, not from .env', async () => {
    const { config, root } = await resolved();
    const { coordinator, redis } = config.services;
    expect(config.secrets).toEqual({
      c3po_admin_token: { file: join(root, 'deploy/secrets/admin-token') },
      redis_password: { file: join(root, 'deploy/secrets/redis-password') },
    });
    expect(secretNames(coordinator).sort()).toEqual(['c3po_admin_token', 'redis_password']);
    expect(secretNames(redis)).toEqual(['redis_password']);
    expect(redis?.environment).toEqual({ REDIS_PASSWORD_FILE: '/run/secrets/redis_password' });
    for (const service of [coordinator, redis]) {
      expect(Object.keys(service?.environment ?? {})).not.toContain('C3PO_ADMIN_TOKEN');
      expect(Object.keys(service?.environment ?? {})).not.toContain('REDIS_PASSWORD');
    }
    const example = readFileSync(join(REPO, 'deploy/.env.example'), 'utf8');
    expect(example).not.toMatch(/^#? ?(C3PO_ADMIN_TOKEN|REDIS_PASSWORD)=/m);
  });

  it('runs the coordinator as the unprivileged node user on a read-only root, without capabilities', async () => {
    const { config } = await resolved();
    const { coordinator, redis } = config.services;
    expect(coordinator?.user).toBe('node');
    expect(coordinator?.read_only).toBe(true);
    expect(coordinator?.cap_drop).toEqual(['ALL']);
    expect(coordinator?.security_opt).toEqual(['no-new-privileges:true']);
    expect(redis?.security_opt).toEqual(['no-new-privileges:true']);
  });

  it('checks health, restarts on failure, and gives the coordinator time to stop gracefully', async () => {
    const { config } = await resolved();
    const { coordinator, redis } = config.services;
    const dockerfile = parseDockerfile(readFileSync(join(REPO, 'deploy/Dockerfile'), 'utf8'));
    const probe = dockerfile.at(-1)?.instructions.find((i) => i.op === 'HEALTHCHECK');
    // The same probe as the image's own HEALTHCHECK, so plain `docker run` reports the same.
    expect(coordinator?.healthcheck?.test).toEqual([
      'CMD',
      ...JSON.parse(probe?.args.replace(/^CMD\s+/, '') ?? '[]'),
    ]);
    expect(redis?.healthcheck?.test.join(' ')).toContain('redis-cli ping');
    expect(coordinator?.restart).toBe('unless-stopped');
    expect(redis?.restart).toBe('unless-stopped');
    // Longer than the coordinator's 5 s C3PO_SHUTDOWN_GRACE_MS, or Docker would SIGKILL it mid-answer.
    expect(Number.parseInt(coordinator?.stop_grace_period ?? '0', 10)).toBeGreaterThanOrEqual(10);
    expect(coordinator?.init).toBe(true);
  });

  it.each([
    ['8420', '8420:8420'],
    ['192.168.1.20:8420', '192.168.1.20:8420:8420'],
    ['127.0.0.1:8420', '127.0.0.1:8420:8420'],
    ['9000', '9000:8420'],
  ])('publishes the coordinator where C3PO_PUBLISH=%s says', async (publish, mapping) => {
    const { config } = await resolved({ C3PO_PUBLISH: publish });
    expect(ports(config.services.coordinator)).toEqual([mapping]);
  });

  it('takes the settings of .env, and the image deploy.sh names', async () => {
    const { config } = await resolved(
      {
        C3PO_PUBLISH: '127.0.0.1:8421',
        REDIS_MAXMEMORY: '1gb',
        C3PO_AUTH_MODE: 'open',
        LOG_LEVEL: 'debug',
        C3PO_RETENTION_DAYS: '7',
        // .env cannot move the coordinator off the address, Redis and secrets the containers use.
        C3PO_HOST: '127.0.0.1',
        REDIS_URL: 'redis://elsewhere:6379',
        REDIS_PASSWORD_FILE: '/elsewhere',
        C3PO_ADMIN_TOKEN_FILE: '/elsewhere',
      },
      { C3PO_IMAGE: 'c3po:2026-01-01' },
    );
    const { coordinator, redis } = config.services;
    expect(coordinator?.image).toBe('c3po:2026-01-01');
    expect(ports(coordinator)).toEqual(['127.0.0.1:8421:8420']);
    expect(redis?.command?.join(' ')).toContain('--maxmemory 1gb');
    expect(coordinator?.environment).toMatchObject({
      C3PO_AUTH_MODE: 'open',
      LOG_LEVEL: 'debug',
      C3PO_RETENTION_DAYS: '7',
      C3PO_HOST: '0.0.0.0',
      REDIS_URL: 'redis://redis:6379',
      REDIS_PASSWORD_FILE: '/run/secrets/redis_password',
      C3PO_ADMIN_TOKEN_FILE: '/run/secrets/c3po_admin_token',
    });
  });
});

describe("compose.yaml's Redis, run by a real redis-server", () => {
  it('requires the password from the secret, which stays off its command line and environment', async () => {
    const { config } = await resolved();
    const password = 'c'.repeat(64);
    const passwordFile = join(tempDir(), 'redis-password');
    writeFileSync(passwordFile, `${password}\n`);
    const { server, cli } = await runRedisService(config, passwordFile);
    await expect.poll(() => cli(password, 'PING'), { timeout: 10_000, interval: 100 }).toBe('PONG');

    expect(await cli(undefined, 'PING')).toMatch(/NOAUTH/);
    expect(await cli(undefined, 'SET', 'c3po:tokens:x', '*')).toMatch(/NOAUTH/);
    expect(await cli('wrong', 'PING')).toMatch(/NOAUTH|WRONGPASS/);
    // The process is redis-server itself (the entrypoint execs), holding no copy of the password
    // anywhere another user could read it.
    const pid = server.child.pid as number;
    if (existsSync(`/proc/${pid}/cmdline`)) {
      expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toContain('redis-server');
      expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).not.toContain(password);
      expect(readFileSync(`/proc/${pid}/environ`, 'utf8')).not.toContain(password);
    }
  });

  it('applies the flags of the command', async () => {
    const { config } = await resolved({ REDIS_MAXMEMORY: '300mb' });
    const passwordFile = join(tempDir(), 'redis-password');
    writeFileSync(passwordFile, 'secret-1\n');
    const { cli } = await runRedisService(config, passwordFile);
    await expect
      .poll(() => cli('secret-1', 'PING'), { timeout: 10_000, interval: 100 })
      .toBe('PONG');
    expect(await cli('secret-1', 'CONFIG', 'GET', 'appendonly')).toBe('appendonly\nyes');
    expect(await cli('secret-1', 'CONFIG', 'GET', 'appendfsync')).toBe('appendfsync\neverysec');
    expect(await cli('secret-1', 'CONFIG', 'GET', 'maxmemory-policy')).toBe(
      'maxmemory-policy\nnoeviction',
    );
    expect(await cli('secret-1', 'CONFIG', 'GET', 'maxmemory')).toBe(
      `maxmemory\n${300 * 1024 * 1024}`,
    );
  });

  it('is healthy by its health check only with the password', async () => {
    const { config } = await resolved();
    const passwordFile = join(tempDir(), 'redis-password');
    writeFileSync(passwordFile, 'secret-2\n');
    const { cli, healthcheck } = await runRedisService(config, passwordFile);
    await expect
      .poll(() => cli('secret-2', 'PING'), { timeout: 10_000, interval: 100 })
      .toBe('PONG');
    expect((await healthcheck()).code).toBe(0);
    const wrong = join(tempDir(), 'wrong-password');
    writeFileSync(wrong, 'not-it\n');
    expect((await healthcheck(wrong)).code).not.toBe(0);
  });

  it('refuses to start without a password, saying which file to fill', async () => {
    const { config } = await resolved();
    const empty = join(tempDir(), 'redis-password');
    writeFileSync(empty, '');
    const { server } = await runRedisService(config, empty);
    expect(await server.exited).toBe(1);
    expect(server.output()).toContain('redis: no password in');
    expect(server.output()).toContain('deploy/secrets/redis-password');
  });

  it('runs the command flags on a plain redis-server too (the backup tests use them so)', async () => {
    const { config } = await resolved();
    const [bin, ...args] = config.services.redis?.command ?? [];
    expect(bin).toBe('redis-server');
    const redis = await startRedis(args);
    redises.push(redis);
    expect(await redis.cli('CONFIG', 'GET', 'maxmemory')).toBe(`maxmemory\n${256 * 1024 * 1024}`);
  });
});

describe('.env.example', () => {
  it('documents every variable the coordinator reads, besides those compose.yaml fixes', async () => {
    // The coordinator's own list: the zod schema it parses its environment with.
    const url = pathToFileURL(join(REPO, 'apps/coordinator/dist/config.js')).href;
    const { EnvSchema } = (await import(url)) as { EnvSchema: { shape: Record<string, unknown> } };
    const fixedOrLocalOnly = [
      'PATH',
      'REDIS_URL',
      'REDIS_CLUSTER_NODES',
      'REDIS_PASSWORD',
      'C3PO_ADMIN_TOKEN',
      'C3PO_HOST',
      'C3PO_PORT',
      'C3PO_DATA_DIR',
      'C3PO_REDIS_SERVER',
    ];
    const example = readFileSync(join(REPO, 'deploy/.env.example'), 'utf8');
    const documented = new Set([...example.matchAll(/^#? ?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    const wanted = [...Object.keys(EnvSchema.shape), 'C3PO_AUTH_MODE'].filter(
      (key) => !fixedOrLocalOnly.includes(key),
    );
    expect(wanted.length).toBeGreaterThan(10);
    expect(wanted.filter((key) => !documented.has(key))).toEqual([]);
  });
});
