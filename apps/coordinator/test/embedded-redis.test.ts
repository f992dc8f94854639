/**
 * The private redis-server that `npm start` runs without REDIS_URL, for real: a random password
 * keeps every other local user out, and neither the password nor the URL that carries it can be
 * read by anyone else (file modes, command line, logs).
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alive } from '@c3po/test-support';
import { pino } from 'pino';
import { createClient } from 'redis';
import { afterEach, describe, expect, it } from 'vitest';
import { type EmbeddedRedis, startEmbeddedRedis } from '../src/embedded-redis.js';

const started: EmbeddedRedis[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const redis of started.splice(0)) await redis.stop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Starts one in a fresh data dir (or `dataDir`), keeping what it logs. */
async function start(dataDir?: string) {
  const dir = dataDir ?? join(mkdtempSync(join(tmpdir(), 'c3po-embedded-')), 'data');
  dirs.push(dataDir ?? join(dir, '..'));
  const logs: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => logs.push(line) });
  const redis = await startEmbeddedRedis({
    dataDir: dir,
    serverBin: 'redis-server',
    searchPath: process.env.PATH ?? '',
    logger,
  });
  started.push(redis);
  const password = /^redis:\/\/:([0-9a-f]+)@/.exec(redis.url)?.[1] ?? '';
  const port = Number(new URL(redis.url).port);
  return { redis, dir, logs, password, port };
}

/** Sends raw RESP commands without authenticating and returns the first reply line. */
function unauthenticated(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('error', reject);
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().split('\r\n')[0] ?? '');
    });
  });
}

const mode = (path: string) => statSync(path).mode & 0o777;

describe('startEmbeddedRedis', () => {
  it('refuses a connection without the password (NOAUTH), and serves the URL it returns', async () => {
    const { redis, port } = await start();
    expect(redis.url).toMatch(/^redis:\/\/:[0-9a-f]{64}@127\.0\.0\.1:\d+$/);
    expect(await unauthenticated(port, 'PING')).toMatch(/^-NOAUTH /);
    expect(await unauthenticated(port, 'SET c3po:tokens:x *')).toMatch(/^-NOAUTH /);
    expect(await unauthenticated(port, 'AUTH wrong-password')).toMatch(/^-(WRONGPASS|ERR) /);

    const client = createClient({ url: redis.url });
    client.on('error', () => {});
    await client.connect();
    expect(await client.ping()).toBe('PONG');
    await client.set('k', 'v');
    expect(await client.get('k')).toBe('v');
    await client.close();
  });

  it('takes a new password at each start', async () => {
    const first = await start();
    await first.redis.stop();
    const second = await start(first.dir);
    expect(second.password).not.toBe(first.password);
    expect(readFileSync(join(first.dir, 'redis-url'), 'utf8')).toBe(`${second.redis.url}\n`);
  });

  it('keeps the password in 0600 files of a 0700 data dir, off the command line and out of the logs', async () => {
    const { redis, dir, logs, password } = await start();
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, 'redis.conf'))).toBe(0o600);
    expect(mode(join(dir, 'redis-url'))).toBe(0o600);
    expect(readFileSync(join(dir, 'redis-url'), 'utf8')).toBe(`${redis.url}\n`);
    expect(readFileSync(join(dir, 'redis.conf'), 'utf8')).toContain(`requirepass ${password}`);
    // What `ps` shows any user of the machine.
    if (existsSync(`/proc/${redis.pid}/cmdline`)) {
      const cmdline = readFileSync(`/proc/${redis.pid}/cmdline`, 'utf8');
      expect(cmdline).toContain('redis-server');
      expect(cmdline).not.toContain(password);
    }
    const ps = spawnSync('ps', ['-o', 'args=', '-p', String(redis.pid)], { encoding: 'utf8' });
    if (ps.status === 0) expect(ps.stdout).not.toContain(password);
    expect(logs.join('')).toContain('started a private redis-server');
    expect(logs.join('')).not.toContain(password);
  });

  it('makes a data dir that already exists, and files left in it, private as well', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'c3po-embedded-')), 'data');
    dirs.push(join(dir, '..'));
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o755);
    for (const file of ['redis.conf', 'redis-url']) {
      writeFileSync(join(dir, file), 'old\n');
      chmodSync(join(dir, file), 0o644);
    }
    await start(dir);
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, 'redis.conf'))).toBe(0o600);
    expect(mode(join(dir, 'redis-url'))).toBe(0o600);
  });

  it('stops cleanly: the server exits, its URL file goes, its AOF is intact', async () => {
    const { redis, dir } = await start();
    const client = createClient({ url: redis.url });
    client.on('error', () => {});
    await client.connect();
    await client.xAdd('c3po:{agent-b}:inbox', '*', { message: 'survive' });
    await client.close();
    await redis.stop();
    await redis.stop(); // twice is fine
    expect(alive(redis.pid)).toBe(false);
    expect(existsSync(join(dir, 'redis-url'))).toBe(false);
    const check = spawnSync(
      'redis-check-aof',
      [join(dir, 'appendonlydir', 'appendonly.aof.manifest')],
      { encoding: 'utf8' },
    );
    expect(check.stdout).toMatch(/is valid/);
    expect(readFileSync(join(dir, 'redis.log'), 'utf8')).toMatch(/ready to exit, bye bye/);
  });
});
