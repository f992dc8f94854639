import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has safe defaults: loopback, port 8420, a private Redis under ./data', () => {
    const config = loadConfig({}, '/srv/c3po');
    expect(config.http).toMatchObject({
      host: '127.0.0.1',
      port: 8420,
      allowedHosts: [],
      allowedOrigins: [],
    });
    expect(config.redis).toMatchObject({
      url: undefined,
      keyPrefix: 'c3po',
      dataDir: '/srv/c3po/data',
    });
    expect(config.limits).toEqual({
      maxTextBytes: 65536,
      maxDeliveries: 5,
      sendsPerMinute: 60,
      tokenSendsPerMinute: 120,
      inboxMaxRequests: 200,
      inboxMaxBytes: 8 * 1024 * 1024,
      waitsPerAgent: 10,
      waitsPerToken: 40,
      waitsPerProcess: 2000,
      maxAgents: 10_000,
      agentsPerToken: 20,
    });
    expect(config.requestTtlSeconds).toBe(86_400);
    expect(config.auth).toEqual({ mode: 'open', adminToken: undefined });
    expect(config.retentionMs).toBe(30 * 24 * 3600 * 1000);
  });

  it('reads lists and numbers from the environment', () => {
    const config = loadConfig({
      REDIS_URL: 'redis://redis:6379',
      C3PO_PORT: '9000',
      C3PO_ALLOWED_HOSTS: 'NAS.local, c3po.example.com ,',
      C3PO_DATA_DIR: '/var/lib/c3po',
    });
    expect(config.redis.url).toBe('redis://redis:6379');
    expect(config.http.port).toBe(9000);
    expect(config.http.allowedHosts).toEqual(['nas.local', 'c3po.example.com']);
    expect(config.redis.dataDir).toBe('/var/lib/c3po');
  });

  it('needs tokens beyond loopback: refuses to start without an admin token unless told open', () => {
    expect(() => loadConfig({ C3PO_HOST: '0.0.0.0' })).toThrow(
      /C3PO_ADMIN_TOKEN.*openssl rand -hex 32.*C3PO_AUTH_MODE=open/s,
    );
    expect(loadConfig({ C3PO_HOST: '0.0.0.0', C3PO_ADMIN_TOKEN: 'x'.repeat(32) }).auth.mode).toBe(
      'token',
    );
    expect(loadConfig({ C3PO_HOST: '0.0.0.0', C3PO_AUTH_MODE: 'open' }).auth.mode).toBe('open');
    expect(() => loadConfig({ C3PO_AUTH_MODE: 'token' })).toThrow(/C3PO_ADMIN_TOKEN/);
    expect(() => loadConfig({ C3PO_ADMIN_TOKEN: 'short' })).toThrow(/at least 16 characters/);
  });

  it('rejects bad values, naming the variable', () => {
    expect(() => loadConfig({ C3PO_PORT: 'x' })).toThrow(/C3PO_PORT/);
    expect(() => loadConfig({ REDIS_URL: 'http://nope' })).toThrow(/redis:\/\/host:6379/);
    expect(() => loadConfig({ C3PO_KEY_PREFIX: 'a b' })).toThrow(/C3PO_KEY_PREFIX/);
  });

  it('reads secrets from *_FILE variables (Docker secrets) and puts the Redis password in the URLs', () => {
    const files: Record<string, string> = {
      '/run/secrets/admin': `${'a'.repeat(32)}\n`,
      '/run/secrets/redis': 's3cret\n',
    };
    const read = (path: string) => {
      const text = files[path];
      if (text === undefined) throw new Error('ENOENT: no such file');
      return text;
    };
    const config = loadConfig(
      {
        C3PO_ADMIN_TOKEN_FILE: '/run/secrets/admin',
        REDIS_PASSWORD_FILE: '/run/secrets/redis',
        REDIS_URL: 'redis://redis:6379',
      },
      '/srv',
      read,
    );
    expect(config.auth.adminToken).toBe('a'.repeat(32));
    expect(config.redis.url).toBe('redis://:s3cret@redis:6379');
    expect(() => loadConfig({ C3PO_ADMIN_TOKEN_FILE: '/nope' }, '/srv', read)).toThrow(
      /C3PO_ADMIN_TOKEN_FILE.*cannot read \/nope/s,
    );
    expect(() =>
      loadConfig(
        { C3PO_ADMIN_TOKEN: 'b'.repeat(32), C3PO_ADMIN_TOKEN_FILE: '/run/secrets/admin' },
        '/srv',
        read,
      ),
    ).toThrow(/set only one of them/);
  });

  it('takes Redis Cluster seed nodes, but not together with REDIS_URL', () => {
    const config = loadConfig({
      REDIS_CLUSTER_NODES: 'redis://10.0.0.1:7000, rediss://u:p@10.0.0.2:7001',
      REDIS_PASSWORD: 'pw',
    });
    expect(config.redis.clusterNodes).toEqual([
      'redis://:pw@10.0.0.1:7000',
      'rediss://u:p@10.0.0.2:7001',
    ]);
    expect(config.redis.url).toBeUndefined();
    expect(() =>
      loadConfig({ REDIS_URL: 'redis://a:6379', REDIS_CLUSTER_NODES: 'redis://b:7000' }),
    ).toThrow(/not both/);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'http://b:7000' })).toThrow(
      /REDIS_CLUSTER_NODES/,
    );
  });
});
