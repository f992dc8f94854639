/**
 * The coordinator as users run it: `node dist/main.js` as a child process, with and without
 * REDIS_URL. Needs a build (the test task depends on it).
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alive, freePort, COORDINATOR_MAIN as MAIN, start } from '@c3po/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from './helpers/http.js';
import { connectAgent } from './helpers/mcp-client.js';

const children: ChildProcess[] = [];
const dirs: string[] = [];

function startMain(env: Record<string, string>, opts: { detached?: boolean } = {}) {
  const started = start(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
    detached: opts.detached ?? false,
  });
  children.push(started.child);
  return started;
}

async function healthy(port: number) {
  await expect
    .poll(
      async () =>
        (await request(`http://127.0.0.1:${port}/api/health`).catch(() => ({ status: 0 }))).status,
      {
        timeout: 15_000,
        interval: 100,
      },
    )
    .toBe(200);
}

function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'c3po-main-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) {
    const pidFile = join(dir, 'redis.pid');
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8'));
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('the coordinator process', () => {
  it('starts its own redis-server without REDIS_URL, and stops it on SIGTERM', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const { child, exited } = startMain({ C3PO_PORT: String(port), C3PO_DATA_DIR: dataDir });
    await healthy(port);
    expect(readFileSync(join(dataDir, 'redis-url'), 'utf8')).toMatch(/^redis:\/\/127\.0\.0\.1:\d+/);
    expect(existsSync(join(dataDir, 'appendonlydir'))).toBe(true);
    const redisPid = Number(readFileSync(join(dataDir, 'redis.pid'), 'utf8'));
    expect(alive(redisPid)).toBe(true);

    const stoppedAt = Date.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect.poll(() => alive(redisPid), { timeout: 5_000 }).toBe(false);
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
  });

  it('stops with its redis-server when the whole process group gets Ctrl-C', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const { child, exited } = startMain(
      { C3PO_PORT: String(port), C3PO_DATA_DIR: dataDir },
      { detached: true },
    );
    await healthy(port);
    const redisPid = Number(readFileSync(join(dataDir, 'redis.pid'), 'utf8'));
    process.kill(-(child.pid as number), 'SIGINT');
    expect(await exited).toBe(0);
    await expect.poll(() => alive(redisPid), { timeout: 5_000 }).toBe(false);
  });

  it('keeps acknowledged requests across a crash, and stops the redis-server the crash left behind', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const first = startMain({ C3PO_PORT: String(port), C3PO_DATA_DIR: dataDir });
    await healthy(port);
    const url = `http://127.0.0.1:${port}`;
    const b = await connectAgent(url, 'agent-b');
    await b.call('list_agents');
    await b.close();
    const a = await connectAgent(url, 'agent-a');
    const { request_id } = await a.call<{ request_id: string }>('send_request', {
      to: 'agent-b',
      message: 'survive',
    });
    await a.close();
    const orphan = Number(readFileSync(join(dataDir, 'redis.pid'), 'utf8'));

    first.child.kill('SIGKILL');
    await first.exited;
    expect(alive(orphan)).toBe(true);
    await new Promise((r) => setTimeout(r, 1_100)); // let appendfsync everysec flush

    startMain({ C3PO_PORT: String(port), C3PO_DATA_DIR: dataDir });
    await healthy(port);
    expect(alive(orphan)).toBe(false);
    const b2 = await connectAgent(url, 'agent-b');
    const pending = await b2.call<{ requests: { request_id: string }[] }>('get_pending_requests');
    expect(pending.requests.map((r) => r.request_id)).toEqual([request_id]);
    await b2.close();
  });

  it('without redis-server and REDIS_URL, exits saying how to get one', async () => {
    const { exited, output } = startMain({
      PATH: '/nonexistent',
      C3PO_DATA_DIR: tempDir(),
      C3PO_PORT: '0',
    });
    expect(await exited).toBe(1);
    expect(output()).toMatch(/redis-server" was not found on PATH/);
    expect(output()).toMatch(/apt install redis-server/);
    expect(output()).toMatch(/REDIS_URL=redis:\/\/host:6379/);
  });

  it('refuses bad settings with a message naming the variable', async () => {
    const { exited, output } = startMain({ C3PO_PORT: 'eighty', C3PO_DATA_DIR: tempDir() });
    expect(await exited).toBe(1);
    expect(output()).toMatch(/invalid configuration/);
    expect(output()).toMatch(/C3PO_PORT/);
  });

  it('says so when the port is taken', async () => {
    const port = await freePort();
    const holder = startMain({ C3PO_PORT: String(port), C3PO_DATA_DIR: tempDir() });
    await healthy(port);
    const { exited, output } = startMain({ C3PO_PORT: String(port), C3PO_DATA_DIR: tempDir() });
    expect(await exited).toBe(1);
    expect(output()).toMatch(new RegExp(`port ${port} is already in use`));
    holder.child.kill('SIGTERM');
    await holder.exited;
  });
});
