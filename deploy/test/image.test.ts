/**
 * The image, proved without a Docker engine: deploy/Dockerfile replayed stage by stage from this
 * checkout (npm offline, from this machine's cache: nothing is downloaded), then the final
 * stage's CMD started with the environment compose.yaml gives the coordinator, against a real
 * redis-server started with the Compose file's own flags.
 */
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ComposeConfig, envFromExample, resolveCompose } from './helpers/compose.js';
import { dockerignore, parseDockerfile, type ReplayedStage, replay } from './helpers/dockerfile.js';
import { freePort, run, type Started, start, stop } from './helpers/processes.js';
import { startRedis, type TestRedis } from './helpers/redis.js';
import { REPO } from './helpers/repo.js';

let scratch: string;
let runtime: ReplayedStage;
let stages: ReplayedStage[];
let compose: ComposeConfig;
const redises: TestRedis[] = [];
const coordinators: Started[] = [];

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'c3po-image-'));
  stages = await replay(parseDockerfile(readFileSync(join(REPO, 'deploy/Dockerfile'), 'utf8')), {
    context: REPO,
    ignored: dockerignore(readFileSync(join(REPO, 'deploy/Dockerfile.dockerignore'), 'utf8')),
    scratch,
    runEnv: {
      PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
      HOME: homedir(),
      // The tests never reach outside this machine: npm installs from its cache or fails.
      npm_config_offline: 'true',
    },
  });
  runtime = stages.at(-1) as ReplayedStage;
  const resolved = await resolveCompose(
    envFromExample({ C3PO_ALLOWED_HOSTS: 'nas.local', LOG_LEVEL: 'warn' }),
  );
  compose = resolved.config as ComposeConfig;
  expect(compose, resolved.stderr).toBeDefined();
});

afterEach(async () => {
  for (const c of coordinators.splice(0)) await stop(c);
  for (const r of redises.splice(0)) await r.dispose();
});

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** Every file under `dir` (symlinks not followed), relative to it. */
function walk(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name), base) : [relative(base, join(dir, e.name))],
  );
}

function post(port: number, path: string, bearer: string, body: unknown) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${bearer}` },
        agent: false,
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

function get(port: number, path: string, host = `127.0.0.1:${port}`) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, headers: { Host: host }, agent: false },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const ADMIN_TOKEN = 'f'.repeat(64);
const REDIS_PASSWORD = 'e'.repeat(64);

/** Compose's Redis: its flags and a password, as compose.yaml's entrypoint gives it one. */
async function composeRedis() {
  const [, ...flags] = compose.services.redis?.command ?? [];
  const redis = await startRedis(flags, { password: REDIS_PASSWORD });
  redises.push(redis);
  return redis;
}

/**
 * The container's environment: the image's ENV, then what Compose sets. What Docker provides and
 * this machine cannot is replaced: the `redis` host name, a port of its own, and the secrets,
 * which Compose mounts at /run/secrets/<name> and which are files of the test here.
 */
async function containerEnv(redis: TestRedis) {
  const fromCompose = compose.services.coordinator?.environment ?? {};
  const port = await freePort();
  const secrets = join(scratch, `secrets-${port}`);
  mkdirSync(secrets, { mode: 0o700 });
  writeFileSync(join(secrets, 'c3po_admin_token'), `${ADMIN_TOKEN}\n`);
  writeFileSync(join(secrets, 'redis_password'), `${REDIS_PASSWORD}\n`);
  const env = {
    PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
    ...runtime.env,
    ...fromCompose,
    REDIS_URL: redis.url,
    C3PO_PORT: String(port),
    C3PO_ADMIN_TOKEN_FILE: join(secrets, 'c3po_admin_token'),
    REDIS_PASSWORD_FILE: join(secrets, 'redis_password'),
  };
  return { env, port, fromCompose };
}

/** Runs an exec-form command in the final stage, with `node` being this machine's Node 20. */
function startCmd(cmd: string[], env: Record<string, string>) {
  const [bin, ...args] = cmd;
  expect(bin).toBe('node');
  const started = start(process.execPath, args, { env, cwd: runtime.dir });
  coordinators.push(started);
  return started;
}

function probe(env: Record<string, string>) {
  const [bin, ...args] = runtime.healthcheck?.cmd ?? [];
  expect(bin).toBe('node');
  return run(process.execPath, args, { env, cwd: runtime.dir, timeoutMs: 10_000 });
}

async function healthy(port: number) {
  await expect
    .poll(async () => (await get(port, '/api/health').catch(() => ({ status: 0 }))).status, {
      timeout: 20_000,
      interval: 100,
    })
    .toBe(200);
}

describe('the image', () => {
  it('is built from one Node image, pinned to an exact version and digest, in every stage, and runs as the unprivileged node user', () => {
    const from = stages[0]?.from ?? '';
    expect(stages.map((s) => s.from)).toEqual(stages.map(() => from));
    const [, major, minor] = /^node:(\d+)\.(\d+)\.\d+-slim@sha256:[0-9a-f]{64}$/.exec(from) ?? [];
    // What the replay proves with this machine's Node holds for the image's: the same major.
    expect(major).toBe(process.versions.node.split('.')[0]);
    // And it is a Node the repository supports (engines: >=20.19).
    const engines = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).engines.node;
    const [, wantMajor, wantMinor] = /^>=(\d+)\.(\d+)/.exec(engines) ?? [];
    expect(Number(major) * 1000 + Number(minor)).toBeGreaterThanOrEqual(
      Number(wantMajor) * 1000 + Number(wantMinor),
    );
    expect(runtime.user).toBe('node');
    expect(runtime.exposed).toEqual(['8420']);
    expect(runtime.env).toMatchObject({
      NODE_ENV: 'production',
      C3PO_HOST: '0.0.0.0',
      C3PO_PORT: '8420',
    });
    expect(runtime.stopSignal).toBe('SIGTERM');
    expect(runtime.cmd).toEqual(['node', 'apps/coordinator/dist/main.js']);
  });

  it('is built from a context without dependencies, builds, secrets or tests', () => {
    const ignored = dockerignore(
      readFileSync(join(REPO, 'deploy/Dockerfile.dockerignore'), 'utf8'),
    );
    for (const path of [
      'node_modules/zod/package.json',
      'apps/coordinator/node_modules/.bin/tsc',
      'apps/coordinator/dist/main.js',
      '.git/config',
      'deploy/.env',
      'deploy/secrets/admin-token',
      'deploy/secrets/redis-password',
      'deploy.env',
      'libs/protocol/src/ids.test.ts',
    ]) {
      expect(ignored(path), path).toBe(true);
    }
    for (const path of [
      'deploy/.env.example',
      'apps/coordinator/src/main.ts',
      'package-lock.json',
    ]) {
      expect(ignored(path), path).toBe(false);
    }
  });

  it('holds production dependencies and compiled JavaScript only', () => {
    const modules = join(runtime.dir, 'node_modules');
    for (const dep of [
      'hono',
      'redis',
      'pino',
      'zod',
      '@modelcontextprotocol/sdk',
      '@c3po/protocol',
    ]) {
      expect(statSync(join(modules, dep)).isDirectory(), dep).toBe(true);
    }
    const present = readdirSync(modules);
    for (const dev of ['typescript', 'vitest', '@biomejs', 'turbo', 'yaml', '@types', 'vite']) {
      expect(present, dev).not.toContain(dev);
    }
    const own = walk(runtime.dir).filter((f) => !f.startsWith('node_modules/'));
    expect(own.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(
      own.filter(
        (f) =>
          !/^(apps\/coordinator|libs\/protocol)\/(package\.json|dist\/)|^deploy\/healthcheck\.mjs$/.test(
            f,
          ),
      ),
    ).toEqual([]);
    expect(
      own.some((f) => f.startsWith('apps/coordinator/dist/store/scripts/') && f.endsWith('.lua')),
    ).toBe(true);
  });

  it("starts with compose's environment and secrets on compose's Redis, answers /api/health, and stops cleanly on SIGTERM", async () => {
    const redis = await composeRedis();
    const { env, port, fromCompose } = await containerEnv(redis);
    expect(fromCompose).toMatchObject({
      REDIS_URL: 'redis://redis:6379',
      REDIS_PASSWORD_FILE: '/run/secrets/redis_password',
      C3PO_ADMIN_TOKEN_FILE: '/run/secrets/c3po_admin_token',
      C3PO_HOST: '0.0.0.0',
      C3PO_PORT: '8420',
    });

    const coordinator = startCmd(runtime.cmd ?? [], env);
    await healthy(port);
    expect(JSON.parse((await get(port, '/api/health')).body)).toMatchObject({
      status: 'ok',
      redis: 'ok',
    });
    // C3PO_ALLOWED_HOSTS from .env reached it: the server's name is served, other names are not.
    expect((await get(port, '/api/health', `nas.local:${port}`)).status).toBe(200);
    expect((await get(port, '/api/health', `attacker.example:${port}`)).status).toBe(403);

    // The admin token from its secret file creates agent tokens; nothing else does.
    const create = (token: string) =>
      post(port, '/api/admin/tokens', token, { agents: 'laptop-*', name: 'image test' });
    expect((await create(ADMIN_TOKEN)).status).toBe(201);
    expect((await create('g'.repeat(64))).status).not.toBe(201);

    const ok = await probe(env);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('"status":"ok"');

    coordinator.child.kill('SIGTERM');
    expect(await coordinator.exited).toBe(0);
    const down = await probe(env);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('ECONNREFUSED');
  });

  it('reports unhealthy through its HEALTHCHECK while Redis is unreachable', async () => {
    const redis = await composeRedis();
    const { env, port } = await containerEnv(redis);
    startCmd(runtime.cmd ?? [], env);
    await healthy(port);
    await stop(redis.server);
    await expect
      .poll(async () => (await probe(env)).code, { timeout: 15_000, interval: 200 })
      .toBe(1);
    expect((await probe(env)).stdout).toContain('"redis":"unreachable"');
  });
});
