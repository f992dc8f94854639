/** @module A real redis-server on a free loopback port, started and stopped by the test itself. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.js';

export interface TestRedis {
  url: string;
  port: number;
  /** Its data directory (kept across stop/restart, removed by dispose). */
  dir: string;
  pid(): number | undefined;
  /** Stops the server (SIGTERM, or SIGKILL with `hard`), keeping its data. */
  stop(hard?: boolean): Promise<void>;
  /** Starts it again on the same port and data directory. */
  restart(): Promise<void>;
  /** Stops it and removes its data directory. */
  dispose(): Promise<void>;
}

/** True once the port answers PING with PONG. */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => done(d.toString().startsWith('+PONG')));
    socket.once('error', () => done(false));
  });
}

/**
 * Starts redis-server without persistence; `args` add or override settings (e.g.
 * `['--appendonly', 'yes']`). Port, address and data directory are always its own.
 */
export async function startRedisServer(args: readonly string[] = []): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'c3po-test-redis-'));
  const argv = [
    '--save',
    '',
    '--appendonly',
    'no',
    ...args,
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
  ];
  let child: ChildProcess | undefined;

  const stop = async (hard = false) => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill(hard ? 'SIGKILL' : 'SIGTERM');
    await exited;
  };
  const start = async () => {
    const started = spawn('redis-server', argv, { stdio: 'ignore' });
    child = started;
    started.once('error', () => {}); // a missing binary shows as "did not start" below
    for (let i = 0; i < 100; i++) {
      if (await pong(port)) return;
      if (started.exitCode !== null) break;
      await sleep(50);
    }
    await stop(true);
    throw new Error(
      'redis-server did not start: is it installed and on PATH (apt install redis-server)?',
    );
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    pid: () => child?.pid,
    stop,
    restart: start,
    async dispose() {
      await stop(true);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
