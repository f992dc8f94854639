/**
 * The backup and restore of docs/deploy.md, at the Redis level, on real redis-servers run with
 * the Compose file's flags: `redis-cli --rdb -` takes a snapshot without stopping anything, and
 * the restore must load it with AOF off before turning AOF on, because with AOF on Redis ignores
 * a dump.rdb and starts empty.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { envFromExample, resolveCompose } from './helpers/compose.js';
import { freePort, run, type Started, start, stop } from './helpers/processes.js';
import { startRedis, type TestRedis } from './helpers/redis.js';

let flags: string[];
const dirs: string[] = [];
const servers: (TestRedis | Started)[] = [];

beforeAll(async () => {
  const { config, stderr } = await resolveCompose(envFromExample({}));
  if (!config) throw new Error(stderr);
  [, ...flags] = config.services.redis?.command ?? [];
});

afterEach(async () => {
  for (const s of servers.splice(0)) await ('dispose' in s ? s.dispose() : stop(s));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'c3po-backup-'));
  dirs.push(dir);
  return dir;
}

/** redis-server on `dir` (the volume) with the Compose flags plus `extra`; resolves when it answers. */
async function redisOn(dir: string, extra: string[] = []) {
  const port = await freePort();
  const server = start(
    'redis-server',
    [...flags, ...extra, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
    {
      env: { PATH: process.env.PATH ?? '' },
    },
  );
  servers.push(server);
  const cli = async (...args: string[]) =>
    (await run('redis-cli', ['-p', String(port), ...args])).stdout.trim();
  await expect.poll(() => cli('PING'), { timeout: 10_000, interval: 50 }).toBe('PONG');
  return { server, cli, port };
}

const info = (text: string, field: string) => new RegExp(`^${field}:(\\S+)`, 'm').exec(text)?.[1];

describe('backing up and restoring the Redis volume', () => {
  it('restores a snapshot taken live, through the AOF-off load the docs describe', async () => {
    const live = await startRedis(flags);
    servers.push(live);
    await live.cli('XADD', 'c3po:{agent-b}:inbox', '*', 'type', 'request', 'message', 'survive');
    await live.cli('SET', 'c3po:request:{r1}', 'queued');

    // Backup: a snapshot streamed out of the running server (stdout only; progress on stderr).
    const backup = join(tempDir(), 'c3po.rdb');
    const snapshot = await run('sh', ['-c', `redis-cli -p ${live.port} --rdb - > '${backup}'`]);
    expect(snapshot.code).toBe(0);
    expect(snapshot.stderr).toContain('Transfer finished with success');
    expect(readFileSync(backup).subarray(0, 5).toString()).toBe('REDIS');

    // The trap: a dump.rdb alone in a volume that Redis then starts on with AOF on is ignored.
    const naive = tempDir();
    copyFileSync(backup, join(naive, 'dump.rdb'));
    const ignored = await redisOn(naive);
    expect(await ignored.cli('DBSIZE')).toBe('0');

    // The restore: an empty volume with the snapshot, loaded with AOF off, then AOF turned on.
    const volume = tempDir();
    copyFileSync(backup, join(volume, 'dump.rdb'));
    const once = await redisOn(volume, ['--appendonly', 'no']);
    expect(await once.cli('DBSIZE')).toBe('2');
    expect(await once.cli('CONFIG', 'SET', 'appendonly', 'yes')).toBe('OK');
    await expect
      .poll(
        async () => {
          const p = await once.cli('INFO', 'persistence');
          return [
            info(p, 'aof_enabled'),
            info(p, 'aof_rewrite_in_progress'),
            info(p, 'aof_rewrite_scheduled'),
          ];
        },
        { timeout: 10_000, interval: 100 },
      )
      .toEqual(['1', '0', '0']);
    await once.cli('SHUTDOWN');
    expect(await once.server.exited).toBe(0);

    // Started as Compose starts it, on the restored volume: the data is there, from the AOF.
    const restored = await redisOn(volume);
    expect(await restored.cli('XRANGE', 'c3po:{agent-b}:inbox', '-', '+')).toContain('survive');
    expect(await restored.cli('GET', 'c3po:request:{r1}')).toBe('queued');
    const manifest = readFileSync(join(volume, 'appendonlydir/appendonly.aof.manifest'), 'utf8');
    expect(manifest).toContain('type b');
  });
});
