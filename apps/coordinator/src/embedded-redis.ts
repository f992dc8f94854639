/**
 * @module The private `redis-server` started when no REDIS_URL is given: loopback only, a free
 * port, a random password, data (AOF) in the data dir, stopped with the coordinator. A server left
 * behind by a coordinator that was killed is stopped before a new one starts on the same data.
 *
 * The password is in `redis.conf` and the URL in `redis-url`, both mode 0600 in the data dir
 * (mode 0700): never on a command line, where any local user could read it with `ps`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from './logger.js';

export class EmbeddedRedisError extends Error {
  override name = 'EmbeddedRedisError';
}

export interface EmbeddedRedis {
  /** `redis://:<password>@127.0.0.1:<port>`. */
  url: string;
  /** The server's process id. */
  pid: number;
  /** SIGTERM (Redis then syncs its AOF and exits), SIGKILL after 4 s; safe to call twice. */
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

/** Resolves true once the server answers `PING` with `+PONG` after `AUTH` (not while it loads). */
function pings(port: number, password: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write(`AUTH ${password}\r\nPING\r\n`));
    socket.on('data', (data) => {
      answer += data.toString();
      const lines = answer.split('\r\n');
      if (lines.length > 2) done(lines[0] === '+OK' && lines[1] === '+PONG');
    });
  });
}

/** A value for redis.conf, quoted as Redis reads it. */
const quote = (value: string) =>
  `"${value.replace(/[\\"]/g, '\\$&').replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"`;

/** Writes `text` to a new file that only this user can read (an old one is replaced, not reused). */
function writePrivate(file: string, text: string): void {
  rmSync(file, { force: true });
  writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
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
  // The data, the password and the URL live here: this user's only, also when the dir existed.
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(opts.dataDir, 0o700);
  const pidFile = join(opts.dataDir, 'redis.pid');
  const urlFile = join(opts.dataDir, 'redis-url');
  const confFile = join(opts.dataDir, 'redis.conf');
  await stopLeftover(pidFile, opts.logger);
  const port = await freePort();
  const password = randomBytes(32).toString('hex');
  writePrivate(
    confFile,
    [
      '# Written by the C3PO coordinator at each start, with a new password; edits are lost.',
      `dir ${quote(opts.dataDir)}`,
      `port ${port}`,
      'bind 127.0.0.1',
      `requirepass ${password}`,
      `pidfile ${quote(pidFile)}`,
      'logfile redis.log',
      'daemonize no',
      'appendonly yes',
      'appendfsync everysec',
      'save ""',
      'maxmemory-policy noeviction',
      '',
    ].join('\n'),
  );
  // Its own session: the terminal's Ctrl-C (sent to the whole process group) reaches only the
  // coordinator, which stops this server itself once its own connections are closed.
  const child = spawn(bin, [confFile], { stdio: 'ignore', detached: true });
  for (let waited = 0; !(await pings(port, password)); waited += 100) {
    if (child.exitCode !== null || waited > START_TIMEOUT_MS) {
      child.kill('SIGKILL');
      throw new EmbeddedRedisError(
        `redis-server did not start (see ${join(opts.dataDir, 'redis.log')}). Set REDIS_URL to use another Redis.`,
      );
    }
    await sleep(100);
  }
  const url = `redis://:${password}@127.0.0.1:${port}`;
  writePrivate(urlFile, `${url}\n`);
  opts.logger.info(
    { url: `redis://127.0.0.1:${port}`, urlFile, dataDir: opts.dataDir, pid: child.pid },
    'started a private redis-server (password in its URL file)',
  );
  let stopping: Promise<void> | undefined;
  const stop = async () => {
    rmSync(urlFile, { force: true });
    child.kill('SIGTERM');
    if (!(await waitForExit(child, STOP_TIMEOUT_MS))) {
      child.kill('SIGKILL');
      await waitForExit(child, 1_000);
    }
  };
  return {
    url,
    pid: child.pid as number,
    stop: () => {
      stopping ??= stop();
      return stopping;
    },
  };
}
