/**
 * deploy/compose.yaml as Compose resolves it (docker-compose config, which validates it against
 * the Compose Specification), and its Redis flags as a real redis-server takes them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type ComposeService, envFromExample, resolveCompose } from './helpers/compose.js';
import { parseDockerfile } from './helpers/dockerfile.js';
import { startRedis, type TestRedis } from './helpers/redis.js';
import { REPO } from './helpers/repo.js';

const TOKEN = 'a'.repeat(64);
const redises: TestRedis[] = [];
afterEach(async () => {
  for (const redis of redises.splice(0)) await redis.dispose();
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

async function resolved(settings: Record<string, string> = {}, env: Record<string, string> = {}) {
  const result = await resolveCompose(
    envFromExample({ C3PO_ADMIN_TOKEN: TOKEN, ...settings }),
    env,
  );
  if (!result.config) throw new Error(`docker-compose config failed:\n${result.stderr}`);
  return { ...result, config: result.config };
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
      C3PO_HOST: '0.0.0.0',
      C3PO_PORT: '8420',
      C3PO_AUTH_MODE: 'token',
      C3PO_ADMIN_TOKEN: TOKEN,
      C3PO_ALLOWED_HOSTS: 'nas.local',
    });

    expect(redis.image).toMatch(/^redis:7(-|$)/);
    expect(redis.ports).toBeUndefined();
    expect(redis.volumes).toEqual(['redis-data:/data:rw']);
    expect(config.volumes['redis-data']).toEqual({ name: 'c3po-redis-data' });
    const flags = (redis.command ?? []).join(' ');
    expect(flags).toContain('--appendonly yes');
    expect(flags).toContain('--appendfsync everysec');
    expect(flags).toContain('--maxmemory-policy noeviction');
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
    expect(coordinator?.read_only).toBe(true);
  });

  it('refuses to start without C3PO_ADMIN_TOKEN, saying where to set it and how to make one', async () => {
    const result = await resolveCompose(envFromExample({}));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      'set C3PO_ADMIN_TOKEN in deploy/.env (generate one with openssl rand -hex 32)',
    );
  });

  it('takes the settings of .env, and the image deploy.sh names', async () => {
    const { config } = await resolved(
      {
        C3PO_PUBLISH: '127.0.0.1:8421',
        REDIS_MAXMEMORY: '1gb',
        C3PO_AUTH_MODE: 'open',
        LOG_LEVEL: 'debug',
        C3PO_RETENTION_DAYS: '7',
        // .env cannot move the coordinator off the address and Redis the containers use.
        C3PO_HOST: '127.0.0.1',
        REDIS_URL: 'redis://elsewhere:6379',
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
    });
  });

  it('runs Redis with flags a real redis-server accepts and applies', async () => {
    const { config } = await resolved();
    const [bin, ...args] = config.services.redis?.command ?? [];
    expect(bin).toBe('redis-server');
    const redis = await startRedis(args);
    redises.push(redis);
    expect(await redis.cli('CONFIG', 'GET', 'appendonly')).toBe('appendonly\nyes');
    expect(await redis.cli('CONFIG', 'GET', 'appendfsync')).toBe('appendfsync\neverysec');
    expect(await redis.cli('CONFIG', 'GET', 'maxmemory-policy')).toBe(
      'maxmemory-policy\nnoeviction',
    );
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
      'C3PO_HOST',
      'C3PO_PORT',
      'C3PO_DATA_DIR',
      'C3PO_REDIS_SERVER',
    ];
    const example = readFileSync(join(REPO, 'deploy/.env.example'), 'utf8');
    const documented = new Set([...example.matchAll(/^#? ?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    const wanted = [...Object.keys(EnvSchema.shape), 'C3PO_AUTH_MODE', 'C3PO_ADMIN_TOKEN'].filter(
      (key) => !fixedOrLocalOnly.includes(key),
    );
    expect(wanted.length).toBeGreaterThan(10);
    expect(wanted.filter((key) => !documented.has(key))).toEqual([]);
  });
});
