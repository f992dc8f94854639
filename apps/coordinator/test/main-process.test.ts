/**
 * The coordinator as users run it: `node dist/main.js` as a child process, with and without
 * REDIS_URL, stopped by signals as a terminal and `npm start` send them. Needs a build (the test
 * task depends on it).
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alive, freePort, COORDINATOR_MAIN as MAIN, start } from '@c3po/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from './helpers/http.js';
import { connectAgent } from './helpers/mcp-client.js';

const children: ChildProcess[] = [];
const dirs: string[] = [];
const sockets: Socket[] = [];

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
  for (const socket of sockets.splice(0)) socket.destroy();
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

/**
 * A call the coordinator is still receiving (headers sent, body not), which a graceful stop waits
 * for. Resolves once the server has taken the request: its `100 Continue` says so.
 */
async function openCall(port: number) {
  const socket = createConnection({ host: '127.0.0.1', port });
  sockets.push(socket);
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve));
  const taken = new Promise((resolve) => socket.once('data', resolve));
  socket.write(
    [
      'POST /mcp HTTP/1.1',
      `Host: 127.0.0.1:${port}`,
      'X-Agent-ID: agent-slow',
      'Content-Type: application/json',
      'Accept: application/json, text/event-stream',
      'Content-Length: 1000',
      'Expect: 100-continue',
      '',
      '',
    ].join('\r\n'),
  );
  expect(String(await taken)).toMatch(/^HTTP\/1\.1 100 Continue/);
  socket.write('{"jsonrpc":');
}

/** `redis-check-aof` of the private Redis's AOF: true when it is intact. */
function aofIntact(dataDir: string): boolean {
  const manifest = join(dataDir, 'appendonlydir', 'appendonly.aof.manifest');
  const check = spawnSync('redis-check-aof', [manifest], { encoding: 'utf8' });
  return check.status === 0 && /is valid/.test(check.stdout);
}

/** Sends a request from agent-a to agent-b and returns its id (acknowledged, so in the AOF). */
async function sendOne(url: string): Promise<string> {
  const b = await connectAgent(url, 'agent-b');
  await b.call('list_agents');
  await b.close();
  const a = await connectAgent(url, 'agent-a');
  const { request_id } = await a.call<{ request_id: string }>('send_request', {
    to: 'agent-b',
    message: 'survive',
  });
  await a.close();
  return request_id;
}

async function pendingFor(url: string, agent: string): Promise<string[]> {
  const b = await connectAgent(url, agent);
  const pending = await b.call<{ requests: { request_id: string }[] }>('get_pending_requests');
  await b.close();
  return pending.requests.map((r) => r.request_id);
}

describe('the coordinator process', () => {
  it('starts its own redis-server without REDIS_URL, and stops it on SIGTERM', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const { child, exited } = startMain({ C3PO_PORT: String(port), C3PO_DATA_DIR: dataDir });
    await healthy(port);
    expect(readFileSync(join(dataDir, 'redis-url'), 'utf8')).toMatch(
      /^redis:\/\/:[0-9a-f]{64}@127\.0\.0\.1:\d+\n$/,
    );
    expect(statSync(join(dataDir, 'redis-url')).mode & 0o777).toBe(0o600);
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
    expect(aofIntact(dataDir)).toBe(true);
  });

  it('takes the SIGINT that `npm start` forwards, right after the terminal’s, as the same Ctrl-C: a graceful stop', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const { child, exited, output } = startMain(
      { C3PO_PORT: String(port), C3PO_DATA_DIR: dataDir, C3PO_SHUTDOWN_GRACE_MS: '1500' },
      { detached: true },
    );
    await healthy(port);
    await openCall(port);
    const stoppedAt = Date.now();
    // What one Ctrl-C on `npm start` delivers (measured: two SIGINTs, 3 ms apart).
    process.kill(-(child.pid as number), 'SIGINT');
    process.kill(child.pid as number, 'SIGINT');
    expect(await exited, output()).toBe(0);
    // It waited for the open call, up to the grace, as a graceful stop does.
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(1_400);
    expect(output()).not.toMatch(/second signal/);
  });

  it('Ctrl-C twice: the second hurries the stop past open calls, the redis-server still stops cleanly, exit 130', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const env = {
      C3PO_PORT: String(port),
      C3PO_DATA_DIR: dataDir,
      C3PO_SHUTDOWN_GRACE_MS: '60000',
    };
    const { child, exited, output } = startMain(env, { detached: true });
    await healthy(port);
    const url = `http://127.0.0.1:${port}`;
    const requestId = await sendOne(url);
    const redisPid = Number(readFileSync(join(dataDir, 'redis.pid'), 'utf8'));
    await openCall(port);

    process.kill(-(child.pid as number), 'SIGINT');
    // The first Ctrl-C waits for the open call (up to a minute here)...
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(child.exitCode).toBeNull();
    expect(alive(redisPid)).toBe(true);
    // ...the second one does not.
    const hurriedAt = Date.now();
    process.kill(-(child.pid as number), 'SIGINT');
    expect(await exited, output()).toBe(130);
    expect(Date.now() - hurriedAt).toBeLessThan(5_000);
    expect(output()).toMatch(/second signal: stopping at once/);
    expect(alive(redisPid)).toBe(false);
    expect(existsSync(join(dataDir, 'redis-url'))).toBe(false);
    expect(readFileSync(join(dataDir, 'redis.log'), 'utf8')).toMatch(/ready to exit, bye bye/);
    expect(aofIntact(dataDir)).toBe(true);

    // Started again on the same data: the acknowledged request is still there.
    startMain(env);
    await healthy(port);
    expect(await pendingFor(url, 'agent-b')).toEqual([requestId]);
  });

  it('SIGTERM twice: exit 143, the redis-server stopped', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const { child, exited } = startMain({
      C3PO_PORT: String(port),
      C3PO_DATA_DIR: dataDir,
      C3PO_SHUTDOWN_GRACE_MS: '60000',
    });
    await healthy(port);
    const redisPid = Number(readFileSync(join(dataDir, 'redis.pid'), 'utf8'));
    await openCall(port);
    child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 700));
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(alive(redisPid)).toBe(false);
    expect(aofIntact(dataDir)).toBe(true);
  });

  it('keeps acknowledged requests across a crash, and stops the redis-server the crash left behind', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const first = startMain({ C3PO_PORT: String(port), C3PO_DATA_DIR: dataDir });
    await healthy(port);
    const url = `http://127.0.0.1:${port}`;
    const request_id = await sendOne(url);
    const orphan = Number(readFileSync(join(dataDir, 'redis.pid'), 'utf8'));

    first.child.kill('SIGKILL');
    await first.exited;
    expect(alive(orphan)).toBe(true);
    await new Promise((r) => setTimeout(r, 1_100)); // let appendfsync everysec flush

    startMain({ C3PO_PORT: String(port), C3PO_DATA_DIR: dataDir });
    await healthy(port);
    expect(alive(orphan)).toBe(false);
    expect(await pendingFor(url, 'agent-b')).toEqual([request_id]);
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
