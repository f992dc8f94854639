/**
 * @module The private `redis-server` started when no REDIS_URL is given: loopback only, a free
 * port, data (AOF) in the data dir, stopped with the coordinator. A server left behind by a
 * coordinator that was killed is stopped before a new one starts on the same data.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from './logger.js';

export class EmbeddedRedisError extends Error {
  override name = 'EmbeddedRedisError';
}

export interface EmbeddedRedis {
  url: string;
  stop(): Promise<void>;
}

const STOP_TIMEOUT_MS = 4_000;
const START_TIMEOUT_MS = 10_000;

/** Finds an executable by name on PATH (or checks a path). */
export function findExecutable(name: string, path: string): string | undefined {
  const candidates = name.includes('/')
    ? [name]
    : path.split(delimiter).map((dir) => join(dir, name));
  return candidates.find((file) => existsSync(file));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves true once `PING` on the port answers `+PONG`. */
function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops a redis-server left running on this data dir by a coordinator that did not stop cleanly. */
async function stopLeftover(pidFile: string, logger: Logger): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  let command = '';
  try {
    command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    // No /proc (macOS) or no such process: rely on the pid alone.
  }
  if (
    !Number.isInteger(pid) ||
    pid <= 0 ||
    !alive(pid) ||
    (command !== '' && !command.includes('redis-server'))
  ) {
    return;
  }
  logger.warn({ pid }, 'stopping a redis-server left running on this data dir');
  process.kill(pid, 'SIGTERM');
  for (let waited = 0; alive(pid) && waited < STOP_TIMEOUT_MS; waited += 100) await sleep(100);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export async function startEmbeddedRedis(opts: {
  dataDir: string;
  serverBin: string;
  searchPath: string;
  logger: Logger;
}): Promise<EmbeddedRedis> {
  const bin = findExecutable(opts.serverBin, opts.searchPath);
  if (!bin) {
    throw new EmbeddedRedisError(
      `No REDIS_URL is set and "${opts.serverBin}" was not found on PATH, so there is no Redis to use.\n` +
        'Either install Redis (Debian/Ubuntu: sudo apt install redis-server; macOS: brew install redis)\n' +
        'or point the coordinator at a running server: REDIS_URL=redis://host:6379 npm start',
    );
  }
  mkdirSync(opts.dataDir, { recursive: true });
  const pidFile = join(opts.dataDir, 'redis.pid');
  const urlFile = join(opts.dataDir, 'redis-url');
  await stopLeftover(pidFile, opts.logger);
  const port = await freePort();
  const child = spawn(
    bin,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      opts.dataDir,
      '--pidfile',
      pidFile,
      '--logfile',
      'redis.log',
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--save',
      '',
      '--maxmemory-policy',
      'noeviction',
      '--daemonize',
      'no',
    ],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  for (let waited = 0; !(await pings(port)); waited += 100) {
    if (child.exitCode !== null || waited > START_TIMEOUT_MS) {
      child.kill('SIGKILL');
      throw new EmbeddedRedisError(
        `redis-server did not start (see ${join(opts.dataDir, 'redis.log')}). Set REDIS_URL to use another Redis.`,
      );
    }
    await sleep(100);
  }
  writeFileSync(urlFile, `${url}\n`);
  opts.logger.info(
    { url, dataDir: opts.dataDir, pid: child.pid },
    'started a private redis-server',
  );
  return {
    url,
    async stop() {
      rmSync(urlFile, { force: true });
      child.kill('SIGTERM');
      if (!(await waitForExit(child, STOP_TIMEOUT_MS))) {
        child.kill('SIGKILL');
        await waitForExit(child, 1_000);
      }
    },
  };
}
