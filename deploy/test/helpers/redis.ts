/** A real redis-server on a free loopback port, for the tests that need one. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, run, type Started, start, stop } from './processes.js';

export interface TestRedis {
  port: number;
  url: string;
  server: Started;
  /** redis-cli against this server, e.g. `cli('CONFIG', 'GET', 'appendonly')`. */
  cli(...args: string[]): Promise<string>;
  /** Stops the server and removes its data dir. */
  dispose(): Promise<void>;
}

/**
 * Starts redis-server with `extraArgs` (e.g. the Compose file's flags) plus its own port and dir,
 * and with `password` as its requirepass when given (which `cli` then uses).
 */
export async function startRedis(
  extraArgs: string[] = [],
  opts: { password?: string } = {},
): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'c3po-deploy-redis-'));
  const auth = opts.password === undefined ? [] : ['--requirepass', opts.password];
  const server = start(
    'redis-server',
    [
      ...extraArgs,
      ...auth,
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
    ],
    { env: { PATH: process.env.PATH ?? '' } },
  );
  const cli = async (...args: string[]) => {
    const result = await run('redis-cli', ['-p', String(port), ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        ...(opts.password === undefined ? {} : { REDISCLI_AUTH: opts.password }),
      },
      timeoutMs: 5_000,
    });
    return result.stdout.trim();
  };
  for (let i = 0; (await cli('PING').catch(() => '')) !== 'PONG'; i++) {
    if (server.child.exitCode !== null || i > 100) {
      throw new Error(`redis-server did not start:\n${server.output()}`);
    }
    await sleep(50);
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    server,
    cli,
    async dispose() {
      await stop(server);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
