/**
 * deploy/compose.replicas.yaml as Compose resolves it (two coordinator replicas, nginx in front,
 * the Redis of compose.yaml), and deploy/nginx.conf as Debian's nginx checks and runs it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ComposeConfig,
  type ComposeService,
  envFromExample,
  resolveCompose,
} from './helpers/compose.js';
import { startNginx } from './helpers/nginx.js';
import { DEPLOY_DIR, REPO } from './helpers/repo.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function resolved(file: string, settings: Record<string, string> = {}) {
  const result = await resolveCompose(envFromExample(settings), {}, file);
  if (!result.config) throw new Error(`docker-compose config failed:\n${result.stderr}`);
  return { ...result, config: result.config };
}

/** The resolved file with its checkout folder (a new temporary one each time) as `<root>`. */
async function comparable(file: string): Promise<ComposeConfig> {
  const { config, root } = await resolved(file);
  return JSON.parse(JSON.stringify(config).replaceAll(root, '<root>')) as ComposeConfig;
}

const REPLICAS = ['coordinator-1', 'coordinator-2'];

function service(config: ComposeConfig, name: string): ComposeService {
  const s = config.services[name];
  if (!s) throw new Error(`compose.replicas.yaml has no service ${name}`);
  return s;
}

/** `[ADDRESS:]PUBLISHED:TARGET`, whichever form Compose prints a port mapping in. */
const ports = (s: ComposeService) =>
  (s.ports ?? []).map((p) =>
    typeof p === 'string'
      ? p.replace(/\/tcp$/, '')
      : [p.host_ip, p.published, p.target].filter((x) => x !== undefined).join(':'),
  );

describe('compose.replicas.yaml', () => {
  it('runs two coordinator replicas on one Redis and one key prefix, behind nginx only', async () => {
    const { config } = await resolved('compose.replicas.yaml', {
      C3PO_ALLOWED_HOSTS: 'c3po.example.com',
      C3PO_KEY_PREFIX: 'team',
    });
    expect(Object.keys(config.services).sort()).toEqual([...REPLICAS, 'proxy', 'redis']);
    const [one, two] = REPLICAS.map((name) => service(config, name));
    // Interchangeable: the same image, settings, secrets and checks.
    expect(one).toEqual(two);
    expect(one?.environment).toMatchObject({
      REDIS_URL: 'redis://redis:6379',
      C3PO_KEY_PREFIX: 'team',
      C3PO_ALLOWED_HOSTS: 'c3po.example.com',
    });
    expect(one?.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
    // Reached through the proxy only, under the alias it resolves.
    expect(one?.ports).toBeUndefined();
    expect(one?.networks?.default?.aliases).toEqual(['coordinator']);
    const conf = readFileSync(join(DEPLOY_DIR, 'nginx.conf'), 'utf8');
    expect(conf).toContain(
      `set $coordinator coordinator:${one?.environment?.C3PO_PORT ?? 'no port'};`,
    );

    const proxy = service(config, 'proxy');
    expect(proxy.depends_on).toEqual({
      'coordinator-1': { condition: 'service_started' },
      'coordinator-2': { condition: 'service_started' },
    });
    for (const name of [...REPLICAS, 'proxy', 'redis']) {
      expect(service(config, name).healthcheck?.test.length, name).toBeGreaterThan(1);
      expect(service(config, name).restart, name).toBe('unless-stopped');
    }
  });

  it('runs each replica exactly as compose.yaml runs its coordinator, but unpublished', async () => {
    const single = await comparable('compose.yaml');
    const replicas = await comparable('compose.replicas.yaml');
    const { ports: _published, ...coordinator } = service(single, 'coordinator');
    for (const name of REPLICAS) {
      const { networks: _alias, ...replica } = service(replicas, name);
      expect(replica, name).toEqual(coordinator);
    }
  });

  it('uses the very same Redis, volume and secrets as compose.yaml', async () => {
    const single = await comparable('compose.yaml');
    const replicas = await comparable('compose.replicas.yaml');
    expect(service(replicas, 'redis')).toEqual(service(single, 'redis'));
    expect(replicas.volumes).toEqual(single.volumes);
    expect(replicas.secrets).toEqual(single.secrets);
  });

  it('runs a pinned nginx unprivileged on a read-only root, with deploy/nginx.conf, where C3PO_PUBLISH says', async () => {
    const { config, root } = await resolved('compose.replicas.yaml', {
      C3PO_PUBLISH: '127.0.0.1:8421',
    });
    const proxy = service(config, 'proxy');
    expect(proxy.image).toMatch(/^nginx:\d+\.\d+\.\d+-alpine@sha256:[0-9a-f]{64}$/);
    expect(ports(proxy)).toEqual(['127.0.0.1:8421:8420']);
    expect(proxy.user).toBe('101:101');
    expect(proxy.read_only).toBe(true);
    expect(proxy.cap_drop).toEqual(['ALL']);
    expect(proxy.security_opt).toEqual(['no-new-privileges:true']);
    expect(proxy.tmpfs).toEqual(['/tmp']);
    expect(proxy.volumes).toEqual([`${join(root, 'deploy/nginx.conf')}:/etc/nginx/c3po.conf:ro`]);
    // nginx itself, its files under the tmpfs, the mounted configuration.
    const args = proxy.entrypoint ?? [];
    expect(args[0]).toBe('nginx');
    expect(args[args.indexOf('-p') + 1]).toBe('/tmp/');
    expect(args[args.indexOf('-c') + 1]).toBe('/etc/nginx/c3po.conf');
    expect(args.slice(-2)).toEqual(['-g', 'daemon off;']);
    // The docs name the image this file runs.
    const docs = readFileSync(join(REPO, 'docs/scaling.md'), 'utf8');
    expect(docs).toContain(proxy.image);
  });
});

describe('nginx.conf', () => {
  it('passes nginx -t, run with the arguments compose.replicas.yaml gives it', async () => {
    const { config } = await resolved('compose.replicas.yaml');
    const prefix = mkdtempSync(join(tmpdir(), 'c3po-nginx-'));
    dirs.push(prefix);
    const args = (service(config, 'proxy').entrypoint ?? [])
      .slice(1)
      .map((a) =>
        a === '/tmp/'
          ? `${prefix}/`
          : a === '/etc/nginx/c3po.conf'
            ? `${DEPLOY_DIR}/nginx.conf`
            : a,
      );
    const nginx = startNginx([...args, '-t'], join(prefix, 'stdout'));
    expect(await nginx.exited, nginx.output()).toBe(0);
    expect(nginx.output()).toContain('syntax is ok');
    expect(nginx.output()).toContain('test is successful');
  });

  it('allows waits of 90 s and their event streams: no buffering, long read and send timeouts', () => {
    const conf = readFileSync(join(DEPLOY_DIR, 'nginx.conf'), 'utf8').replace(/#.*$/gm, '');
    const setting = (name: string) =>
      [...conf.matchAll(new RegExp(`^\\s*${name}\\s+([^;]+);`, 'gm'))].map((m) => m[1]);
    const seconds = (name: string) => setting(name).map((v) => Number.parseInt(v ?? '', 10));
    expect(setting('proxy_buffering')).toEqual(['off']);
    for (const timeout of ['proxy_read_timeout', 'proxy_send_timeout', 'send_timeout']) {
      expect(seconds(timeout).length, timeout).toBe(1);
      expect(seconds(timeout)[0], timeout).toBeGreaterThanOrEqual(120);
    }
    expect(setting('proxy_set_header').some((v) => /^Host\s+\$http_host$/.test(v ?? ''))).toBe(
      true,
    );
    // No sticky sessions: nothing pins a client to a replica.
    expect(conf).not.toMatch(/\b(ip_hash|hash|sticky)\b/);
  });
});
